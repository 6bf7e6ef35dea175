//! Request pieces several functions read the same way.

use serde::Deserialize;

/// A channel named in a body: `{id, …}` as the web app sends it (its whole channel object), or
/// the id alone.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum ChannelRef {
    /// `{id, …}`.
    Object {
        /// The channel's id.
        id: String,
    },
    /// The id.
    Id(String),
}

impl ChannelRef {
    /// The channel's id.
    pub fn id(self) -> String {
        match self {
            ChannelRef::Object { id } | ChannelRef::Id(id) => id,
        }
    }
}

/// The ids of a list of channel references.
pub fn channel_ids(refs: Option<Vec<ChannelRef>>) -> Option<Vec<String>> {
    refs.map(|list| list.into_iter().map(ChannelRef::id).collect())
}
