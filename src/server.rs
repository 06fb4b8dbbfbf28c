//! The HTTP/1.1 server loop: every connection gets a header-read timeout (a client that sends
//! its request's headers too slowly, or keeps an idle connection open, is disconnected), every
//! request body must arrive within a time limit (`408` and the connection closed otherwise),
//! and the open connections are capped (beyond the cap new ones wait in the listen queue until
//! one closes), so a few slow clients cannot hold the server's connections or its file
//! descriptors. Every request knows its TCP peer (`ConnectInfo`) for the sign-in throttle.
//! Plain HTTP/1.1 only: TLS and HTTP/2 are a reverse proxy's job in front of TMAS.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot};
use tower::ServiceExt;

use crate::i18n::Lang;

/// How long requests still running at shutdown get to finish.
const DRAIN: Duration = Duration::from_secs(10);

/// What one client may hold of the server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time to send a request's headers, and for an idle connection to stay open.
    pub header_read_timeout: Duration,
    /// Time for a request's body to arrive, counted from its headers.
    pub body_timeout: Duration,
    /// Connections open at once; more wait in the listen queue.
    pub max_connections: usize,
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets open requests finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    let graceful = GracefulShutdown::new();
    let open = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // A place for the connection first: at the cap, new connections wait in the kernel's
        // listen queue and those open are served as before.
        let place = tokio::select! {
            place = open.clone().acquire_owned() => match place {
                Ok(place) => place,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(error) => {
                    // Out of file descriptors and the like: wait a little instead of spinning.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let body_timeout = limits.body_timeout;
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            answer_in_time(app.clone(), peer, body_timeout, request)
        });
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            let _ = connection.await;
            drop(place);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN) => {
            tracing::warn!("requests still running at shutdown were cut off");
        }
    }
}

/// Answers one request with the app, or with 408 when its body stops arriving within
/// `body_timeout`.
async fn answer_in_time(
    app: Router,
    peer: SocketAddr,
    body_timeout: Duration,
    request: hyper::Request<Incoming>,
) -> Result<Response, std::convert::Infallible> {
    let (mut parts, body) = request.into_parts();
    // The answer to a late body is read in the browser's language.
    let lang = parts
        .headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map_or(Lang::En, Lang::from_accept_language);
    parts.extensions.insert(ConnectInfo::<SocketAddr>(peer));
    let (expired_tx, expired_rx) = oneshot::channel();
    let body = DeadlineBody {
        inner: body,
        deadline: Box::pin(tokio::time::sleep(body_timeout)),
        expired: Some(expired_tx),
    };
    // The body's sender is dropped once the body is read or set aside: only a
    // body that stopped arriving in time answers 408.
    let expired = async move {
        if expired_rx.await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        response = app.oneshot(hyper::Request::from_parts(parts, body)) => response,
        () = expired => Ok(body_timed_out(body_timeout, lang)),
    }
}

/// The answer to a body that did not arrive in time; the connection is closed after it.
fn body_timed_out(limit: Duration, lang: Lang) -> Response {
    tracing::info!(
        seconds = limit.as_secs(),
        "a request body did not arrive in time"
    );
    let message = crate::i18n::translate(
        lang,
        &format!(
            "The request's body did not arrive within {} seconds: nothing was changed. Send it again.",
            limit.as_secs()
        ),
    );
    let mut response = (StatusCode::REQUEST_TIMEOUT, format!("{message}\n")).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A request body that must arrive by a deadline: past it, it tells the server (which answers
/// 408 and drops the handler) and yields nothing more.
struct DeadlineBody {
    inner: Incoming,
    deadline: Pin<Box<tokio::time::Sleep>>,
    expired: Option<oneshot::Sender<()>>,
}

impl Body for DeadlineBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = self.get_mut();
        if this.expired.is_some()
            && let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx)
        {
            return Poll::Ready(frame);
        }
        if this.deadline.as_mut().poll(cx).is_ready()
            && let Some(expired) = this.expired.take()
        {
            let _ = expired.send(());
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
