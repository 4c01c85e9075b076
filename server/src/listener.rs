//! The TCP listener, with a write timeout on every connection.
//!
//! A client that stops reading (a stalled download, a slow-read attack)
//! leaves the server's writes to its socket pending once the socket's
//! buffers are full. Nothing in hyper or axum times such a write out, so the
//! connection, and whatever the response holds, would stay forever. Here a
//! write pending for longer than the timeout fails the connection instead
//! (OWASP ASVS 4.0 §1.11: bounded resource use). Reads are not timed: an
//! idle keep-alive connection or a server-sent event stream is fine.

use std::{io, net::SocketAddr, pin::Pin, time::Duration};

use axum::serve::Listener;
use tokio::net::{TcpListener, TcpStream};
use tokio_io_timeout::TimeoutStream;

/// A [`TcpListener`] whose connections fail a write pending longer than
/// `write_timeout`.
pub struct GuardedListener {
    inner: TcpListener,
    write_timeout: Duration,
}

impl GuardedListener {
    pub fn new(inner: TcpListener, write_timeout: Duration) -> Self {
        Self { inner, write_timeout }
    }
}

impl Listener for GuardedListener {
    type Io = Pin<Box<TimeoutStream<TcpStream>>>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, addr) = Listener::accept(&mut self.inner).await;
        if let Err(err) = stream.set_nodelay(true) {
            tracing::debug!(error = %err, "could not set TCP_NODELAY");
        }
        let mut stream = TimeoutStream::new(stream);
        stream.set_write_timeout(Some(self.write_timeout));
        (Box::pin(stream), addr)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use axum::{Router, body::Body, routing::get, serve::ListenerExt};
    use futures_util::stream;
    use tokio::{
        io::{AsyncReadExt, AsyncWriteExt},
        net::TcpSocket,
    };

    use super::*;

    /// A response that never ends, to a client that never reads, is cut
    /// off: once the socket buffers are full the pending write times out
    /// and the server closes the connection, so the client reaches the end
    /// of the stream. Without the timeout it would read forever.
    #[tokio::test]
    async fn a_client_that_stops_reading_is_disconnected() {
        let endless = || async { Body::from_stream(stream::repeat_with(|| Ok::<_, io::Error>(vec![b'x'; 64 * 1024]))) };
        let app = Router::new().route("/", get(endless));
        let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = tcp.local_addr().unwrap();
        let listener = GuardedListener::new(tcp, Duration::from_millis(300)).tap_io(|_| {});
        tokio::spawn(async move { axum::serve(listener, app).await });

        let socket = TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let mut client = socket.connect(address).await.unwrap();
        client.write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n").await.unwrap();
        // Stall: the server fills the buffers and its write waits.
        tokio::time::sleep(Duration::from_secs(2)).await;

        let started = Instant::now();
        let mut buffer = vec![0; 64 * 1024];
        let closed = tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                match client.read(&mut buffer).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        })
        .await;
        assert!(closed.is_ok(), "still streaming after {:?}: the stalled connection was kept", started.elapsed());
    }
}
