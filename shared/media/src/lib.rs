//! The media library.
