//! The organization's own OAuth app (admins) and the apps the user approved.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use postiz_accounts::Session;
use postiz_core::Error;
use postiz_oauth::{AppInput, PictureRef};
use postiz_web::documented::Documented;
use postiz_web::{ApiResult, Authed, JsonBody};
use serde_json::{json, Value};

use crate::Ctx;

/// The fields of an app as `/user/oauth-app` answers it (no secret).
const APP_FIELDS: &str = "id: string, organizationId: string | null, name: string, \
     description: string | null, pictureId: string | null, \
     picture: {id: string, path: string} | null, redirectUrl: string, clientId: string, \
     dynamic: boolean, tokenEndpointAuthMethod: string, createdAt: string, updatedAt: string, \
     deletedAt: string | null";

pub(crate) fn routes(d: Documented<Ctx>) -> Documented<Ctx> {
    d.get("/user/oauth-app", "The organization's OAuth app", get_app)
        .answers(format!("{{{APP_FIELDS}}} | boolean"))
        .post(
            "/user/oauth-app",
            "Create the organization's OAuth app",
            create_app,
        )
        .answers(format!("{{{APP_FIELDS}, clientSecret: string}}"))
        .put(
            "/user/oauth-app",
            "Change the organization's OAuth app",
            update_app,
        )
        .answers(format!("{{{APP_FIELDS}}}"))
        .delete(
            "/user/oauth-app",
            "Delete the organization's OAuth app (its tokens stop working)",
            delete_app,
        )
        .answers("{success: boolean}")
        .post(
            "/user/oauth-app/rotate-secret",
            "A new secret for the organization's OAuth app",
            rotate_secret,
        )
        .answers("{clientSecret: string}")
        .get(
            "/user/approved-apps",
            "The apps the user granted access",
            approved_apps,
        )
        .answers(format!(
            "{{id: string, oauthAppId: string, userId: string, organizationId: string, \
             createdAt: string, updatedAt: string, revokedAt: null, oauthApp: {{{APP_FIELDS}}}}}[]"
        ))
        .delete("/user/approved-apps/{id}", "Revoke an app's access", revoke)
        .answers("{success: boolean}")
}

fn admin(s: &Session) -> Result<(), Error> {
    if s.role.is_admin() {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "You do not have permission to do this".into(),
        ))
    }
}

/// The picture `pictureId` names, checked to be in the organization's library.
async fn picture(ctx: &Ctx, org: &str, id: Option<&str>) -> Result<Option<PictureRef>, Error> {
    let Some(id) = id.map(str::trim).filter(|id| !id.is_empty()) else {
        return Ok(None);
    };
    match ctx.0.media.get(org, id).await {
        Ok(media) => Ok(Some(PictureRef {
            id: media.id,
            path: media.path,
        })),
        Err(Error::NotFound(_)) => Err(Error::invalid(
            "pictureId must be a picture of the media library",
        )),
        Err(e) => Err(e),
    }
}

async fn get_app(State(ctx): State<Ctx>, Authed(s): Authed) -> ApiResult<Json<Value>> {
    admin(&s)?;
    Ok(Json(ctx.oauth().get_app(&s.org.id).await?))
}

async fn create_app(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    JsonBody(input): JsonBody<AppInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    admin(&s)?;
    let picture = picture(&ctx, &s.org.id, input.picture_id.as_deref()).await?;
    let app = ctx.oauth().create_app(&s.org.id, input, picture).await?;
    Ok((StatusCode::CREATED, Json(app)))
}

async fn update_app(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    JsonBody(input): JsonBody<AppInput>,
) -> ApiResult<Json<Value>> {
    admin(&s)?;
    let picture = picture(&ctx, &s.org.id, input.picture_id.as_deref()).await?;
    Ok(Json(
        ctx.oauth().update_app(&s.org.id, input, picture).await?,
    ))
}

async fn delete_app(State(ctx): State<Ctx>, Authed(s): Authed) -> ApiResult<Json<Value>> {
    admin(&s)?;
    Ok(Json(ctx.oauth().delete_app(&s.org.id).await?))
}

async fn rotate_secret(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
) -> ApiResult<(StatusCode, Json<Value>)> {
    admin(&s)?;
    let secret = ctx.oauth().rotate_secret(&s.org.id).await?;
    Ok((StatusCode::CREATED, Json(secret)))
}

async fn approved_apps(State(ctx): State<Ctx>, Authed(s): Authed) -> ApiResult<Json<Value>> {
    Ok(Json(json!(ctx.oauth().approved_apps(&s.user.id).await?)))
}

async fn revoke(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.oauth().revoke(&s.user.id, &id).await?))
}
