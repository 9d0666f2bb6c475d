//! One async function per endpoint, on the shared wire types.

use adminlog_types::{
    ActionCounts, Administrator, ApiKey, CreateAdministratorRequest, CreateApiKeyRequest, CreatedApiKey, ErrorBody,
    ErrorCode, Event, Histogram, ItemList, LoginRequest, LoginResponse, Me, Page, Problem, UpdateAdministratorRequest,
};
use adminlog_types::{CreateSavedViewRequest, SavedView};
use adminlog_types::{CreateStreamRequest, CreatedStream, Stream, UpdateStreamRequest};
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;

use crate::storage;

/// What went wrong with a call, in terms the page can show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientError {
    pub status: u16,
    pub code: Option<ErrorCode>,
    pub message: String,
    pub retry_after: Option<u64>,
    /// The field-by-field problems of a `validation_failed` answer.
    pub details: Vec<Problem>,
}

impl ClientError {
    fn network(error: impl std::fmt::Display) -> ClientError {
        ClientError {
            status: 0,
            code: None,
            message: format!("The server could not be reached ({error}). Check your connection and try again."),
            retry_after: None,
            details: Vec::new(),
        }
    }

    pub fn is_session_expired(&self) -> bool {
        self.status == 401 && self.code == Some(ErrorCode::Unauthorized)
    }

    /// The login's answer when the email and password belong to
    /// administrators of several organizations: ask which one, by name.
    pub fn asks_for_organization(&self) -> bool {
        self.status == 400
            && self.code == Some(ErrorCode::ValidationFailed)
            && self.details.first().is_some_and(|problem| problem.field == "organization")
    }
}

async fn error_of(response: Response) -> ClientError {
    let status = response.status();
    let retry_after = response.headers().get("retry-after").and_then(|v| v.parse().ok());
    match response.json::<ErrorBody>().await {
        Ok(body) => ClientError {
            status,
            code: Some(body.error.code),
            message: body.error.message,
            retry_after,
            details: body.error.details,
        },
        Err(_) => ClientError {
            status,
            code: None,
            message: format!("The server answered {status}."),
            retry_after,
            details: Vec::new(),
        },
    }
}

fn authorized(builder: RequestBuilder, token: &str) -> RequestBuilder {
    builder.header("Authorization", &format!("Bearer {token}"))
}

async fn send(request: Result<Request, gloo_net::Error>) -> Result<Response, ClientError> {
    let response = request.map_err(ClientError::network)?.send().await.map_err(ClientError::network)?;
    if response.ok() {
        Ok(response)
    } else {
        Err(error_of(response).await)
    }
}

async fn json<T: DeserializeOwned>(response: Response) -> Result<T, ClientError> {
    response.json::<T>().await.map_err(ClientError::network)
}

/// Signs in, sending the device token this browser keeps for `email` and
/// keeping the one the server returns: failed attempts from elsewhere then
/// never lock this browser out. `organization` (by name) is needed only when
/// the email and password belong to administrators of several.
pub async fn login(
    email: String,
    password: String,
    organization: Option<String>,
) -> Result<LoginResponse, ClientError> {
    let device_key = storage::device_key(&email);
    let device_token = storage::get(&device_key).filter(|token| !token.is_empty());
    let reply: LoginResponse = json(
        send(Request::post("/api/v1/auth/login").json(&LoginRequest { email, password, organization, device_token }))
            .await?,
    )
    .await?;
    storage::set(&device_key, &reply.device_token);
    Ok(reply)
}

pub async fn logout(token: &str) -> Result<(), ClientError> {
    send(authorized(Request::post("/api/v1/auth/logout"), token).build()).await.map(|_| ())
}

pub async fn me(token: &str) -> Result<Me, ClientError> {
    json(send(authorized(Request::get("/api/v1/me"), token).build()).await?).await
}

pub async fn admin_logs(token: &str, url: &str) -> Result<Page<Event>, ClientError> {
    json(send(authorized(Request::get(url), token).build()).await?).await
}

pub async fn admin_log(token: &str, id: i64) -> Result<Event, ClientError> {
    json(send(authorized(Request::get(&format!("/api/v1/admin-logs/{id}")), token).build()).await?).await
}

pub async fn histogram(token: &str, url: &str) -> Result<Histogram, ClientError> {
    json(send(authorized(Request::get(url), token).build()).await?).await
}

pub async fn action_counts(token: &str, url: &str) -> Result<ActionCounts, ClientError> {
    json(send(authorized(Request::get(url), token).build()).await?).await
}

/// An export: its bytes, the server's filename, and whether the cap cut it.
pub struct Export {
    pub bytes: Vec<u8>,
    pub filename: Option<String>,
    pub truncated: bool,
}

pub async fn export(token: &str, url: &str) -> Result<Export, ClientError> {
    let response = send(authorized(Request::get(url), token).build()).await?;
    let filename =
        response.headers().get("content-disposition").and_then(|h| crate::url_state::filename_from_disposition(&h));
    let truncated = response.headers().get("x-export-truncated").is_some_and(|v| v == "true");
    let bytes = response.binary().await.map_err(ClientError::network)?;
    Ok(Export { bytes, filename, truncated })
}

pub async fn administrators(token: &str) -> Result<Vec<Administrator>, ClientError> {
    let list: ItemList<Administrator> =
        json(send(authorized(Request::get("/api/v1/administrators"), token).build()).await?).await?;
    Ok(list.items)
}

pub async fn create_administrator(token: &str, body: CreateAdministratorRequest) -> Result<Administrator, ClientError> {
    json(send(authorized(Request::post("/api/v1/administrators"), token).json(&body)).await?).await
}

pub async fn update_administrator(
    token: &str,
    id: i64,
    body: UpdateAdministratorRequest,
) -> Result<Administrator, ClientError> {
    json(send(authorized(Request::patch(&format!("/api/v1/administrators/{id}")), token).json(&body)).await?).await
}

pub async fn delete_administrator(token: &str, id: i64) -> Result<(), ClientError> {
    send(authorized(Request::delete(&format!("/api/v1/administrators/{id}")), token).build()).await.map(|_| ())
}

pub async fn api_keys(token: &str) -> Result<Vec<ApiKey>, ClientError> {
    let list: ItemList<ApiKey> = json(send(authorized(Request::get("/api/v1/api-keys"), token).build()).await?).await?;
    Ok(list.items)
}

pub async fn create_api_key(token: &str, body: CreateApiKeyRequest) -> Result<CreatedApiKey, ClientError> {
    json(send(authorized(Request::post("/api/v1/api-keys"), token).json(&body)).await?).await
}

pub async fn revoke_api_key(token: &str, id: i64) -> Result<(), ClientError> {
    send(authorized(Request::delete(&format!("/api/v1/api-keys/{id}")), token).build()).await.map(|_| ())
}

pub async fn streams(token: &str) -> Result<Vec<Stream>, ClientError> {
    let list: ItemList<Stream> = json(send(authorized(Request::get("/api/v1/streams"), token).build()).await?).await?;
    Ok(list.items)
}

pub async fn create_stream(token: &str, body: CreateStreamRequest) -> Result<CreatedStream, ClientError> {
    json(send(authorized(Request::post("/api/v1/streams"), token).json(&body)).await?).await
}

pub async fn update_stream(token: &str, id: i64, body: UpdateStreamRequest) -> Result<Stream, ClientError> {
    json(send(authorized(Request::patch(&format!("/api/v1/streams/{id}")), token).json(&body)).await?).await
}

pub async fn delete_stream(token: &str, id: i64) -> Result<(), ClientError> {
    send(authorized(Request::delete(&format!("/api/v1/streams/{id}")), token).build()).await.map(|_| ())
}

pub async fn saved_views(token: &str) -> Result<Vec<SavedView>, ClientError> {
    let list: ItemList<SavedView> =
        json(send(authorized(Request::get("/api/v1/saved-views"), token).build()).await?).await?;
    Ok(list.items)
}

pub async fn create_saved_view(token: &str, body: CreateSavedViewRequest) -> Result<SavedView, ClientError> {
    json(send(authorized(Request::post("/api/v1/saved-views"), token).json(&body)).await?).await
}

pub async fn delete_saved_view(token: &str, id: i64) -> Result<(), ClientError> {
    send(authorized(Request::delete(&format!("/api/v1/saved-views/{id}")), token).build()).await.map(|_| ())
}
