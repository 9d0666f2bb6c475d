//! One async function per endpoint, on the shared wire types.

use adminlog_types::{
    Administrator, ApiKey, CreateAdministratorRequest, CreateApiKeyRequest, CreatedApiKey, ErrorBody, ErrorCode, Event,
    ItemList, LoginRequest, LoginResponse, Me, Page, UpdateAdministratorRequest,
};
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;

/// What went wrong with a call, in terms the page can show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientError {
    pub status: u16,
    pub code: Option<ErrorCode>,
    pub message: String,
    pub retry_after: Option<u64>,
}

impl ClientError {
    fn network(error: impl std::fmt::Display) -> ClientError {
        ClientError {
            status: 0,
            code: None,
            message: format!("The server could not be reached ({error}). Check your connection and try again."),
            retry_after: None,
        }
    }

    pub fn is_session_expired(&self) -> bool {
        self.status == 401 && self.code == Some(ErrorCode::Unauthorized)
    }
}

async fn error_of(response: Response) -> ClientError {
    let status = response.status();
    let retry_after = response.headers().get("retry-after").and_then(|v| v.parse().ok());
    match response.json::<ErrorBody>().await {
        Ok(body) => ClientError { status, code: Some(body.error.code), message: body.error.message, retry_after },
        Err(_) => ClientError { status, code: None, message: format!("The server answered {status}."), retry_after },
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

pub async fn login(email: String, password: String) -> Result<LoginResponse, ClientError> {
    json(
        send(Request::post("/api/v1/auth/login").json(&LoginRequest {
            email,
            password,
            organization: None,
            device_token: None,
        }))
        .await?,
    )
    .await
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
