//! A loopback HTTP server that records every request and answers with a
//! canned status and body: enough to see exactly what goes on the wire.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Recorded {
    /// Every value of header `name`.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }

    /// The one value of header `name`; panics when absent or repeated.
    pub fn one(&self, name: &str) -> String {
        let values = self.all(name);
        assert_eq!(values.len(), 1, "header {name}: {values:?}");
        values[0].clone()
    }
}

/// The server: its base URL and what it has recorded.
pub struct Recorder {
    pub base_url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Recorder {
    /// Serves on 127.0.0.1 (any free port), answering `status` with `body`
    /// (as JSON unless empty).
    pub async fn start(status: u16, body: &'static str) -> Self {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body_in: Bytes| {
                let seen = seen.clone();
                async move {
                    seen.lock().unwrap().push(Recorded {
                        method,
                        uri,
                        headers,
                        body: body_in,
                    });
                    let status = StatusCode::from_u16(status).unwrap();
                    if body.is_empty() {
                        status.into_response()
                    } else {
                        (status, [("content-type", "application/json")], body).into_response()
                    }
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { base_url, requests }
    }

    /// The requests so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// The only request so far.
    pub fn only(&self) -> Recorded {
        let all = self.requests();
        assert_eq!(all.len(), 1, "{all:#?}");
        all[0].clone()
    }
}
