// The proxies' handshakes, written once for both twins: SOCKS5 (RFC 1928,
// user and password by RFC 1929) and HTTP CONNECT (RFC 9110), over the
// twin's TCP stream, bounded by the connect timeout.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use super::bisync;
use super::rt::{self, TcpRead as _, TcpWrite as _};
use crate::net::proxy::{Proxy, ProxyKind, Step, Target, base64, cut_short, failed, socks_reply};

/// A TCP connection to `target` through `proxy`: the proxy reached (each
/// of its addresses in turn), then its handshake, all within `timeout`.
#[bisync]
pub(crate) async fn connect_via(
    proxy: &Proxy,
    target: &Target,
    source: Option<IpAddr>,
    timeout: Option<Duration>,
) -> io::Result<rt::Tcp> {
    let mut tcp = reach(proxy, source, timeout).await?;
    rt::socket_deadline(&tcp, timeout)?;
    let done = rt::within(timeout, handshake(&mut tcp, proxy, target)).await;
    rt::socket_deadline(&tcp, None)?;
    done.map(|()| tcp)
        .map_err(|e| cut_short(e, proxy, target, Step::Handshake))
}

/// Active mode through SOCKS5: a BIND for the server `target` (port 0:
/// any). The proxy listens for the server's data connection and says
/// where: the address to announce with PORT or EPRT. An HTTP proxy has no
/// such thing: a clear error.
#[bisync]
pub(crate) async fn bind_via(
    proxy: &Proxy,
    target: &Target,
    source: Option<IpAddr>,
    timeout: Option<Duration>,
) -> io::Result<(rt::Tcp, SocketAddr)> {
    if proxy.kind == ProxyKind::HttpConnect {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!(
                "active mode through the HTTP proxy {}:{}: it cannot take the server's \
                 connection (only SOCKS5 can, with BIND): use passive mode",
                proxy.host, proxy.port
            ),
        ));
    }
    let mut tcp = reach(proxy, source, timeout).await?;
    rt::socket_deadline(&tcp, timeout)?;
    let bound = rt::within(timeout, socks5_bind(&mut tcp, proxy, target)).await;
    rt::socket_deadline(&tcp, None)?;
    let bound = bound.map_err(|e| cut_short(e, proxy, target, Step::Handshake))?;
    // 0.0.0.0: the proxy's own address, as the connection to it shows.
    let bound = if bound.ip().is_unspecified() {
        SocketAddr::new(tcp.peer_addr()?.ip(), bound.port())
    } else {
        bound
    };
    Ok((tcp, bound))
}

/// The server's connection to where a BIND listens: the proxy's second
/// reply, within `timeout`; returns where it came from.
#[bisync]
pub(crate) async fn bind_accept(
    tcp: &mut rt::Tcp,
    proxy: &Proxy,
    target: &Target,
    timeout: Option<Duration>,
) -> io::Result<Option<SocketAddr>> {
    rt::socket_deadline(tcp, timeout)?;
    let from = rt::within(timeout, socks5_reply(tcp, proxy, target)).await;
    rt::socket_deadline(tcp, None)?;
    from.map_err(|e| cut_short(e, proxy, target, Step::Bind))
}

/// A TCP connection to the proxy (each of its addresses in turn).
#[bisync]
async fn reach(
    proxy: &Proxy,
    source: Option<IpAddr>,
    timeout: Option<Duration>,
) -> io::Result<rt::Tcp> {
    let addrs = rt::resolve(&proxy.host, proxy.port).await.map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot resolve the proxy {}: {e}", proxy.host),
        )
    })?;
    let mut last = io::Error::new(
        io::ErrorKind::NotFound,
        format!("the proxy {} has no address", proxy.host),
    );
    for addr in addrs {
        match rt::tcp_connect(addr, source, timeout).await {
            Ok(tcp) => return Ok(tcp),
            Err(e) => {
                last = io::Error::new(
                    e.kind(),
                    format!("cannot connect to the proxy at {addr}: {e}"),
                )
            }
        }
    }
    Err(last)
}

#[bisync]
async fn handshake(tcp: &mut rt::Tcp, proxy: &Proxy, target: &Target) -> io::Result<()> {
    match proxy.kind {
        ProxyKind::Socks5 { .. } => socks5(tcp, proxy, target).await,
        ProxyKind::HttpConnect => http_connect(tcp, proxy, target).await,
    }
}

#[bisync]
async fn socks5(tcp: &mut rt::Tcp, proxy: &Proxy, target: &Target) -> io::Result<()> {
    socks5_hello(tcp, proxy, target).await?;
    socks5_request(tcp, proxy, target, 1).await?;
    socks5_reply(tcp, proxy, target).await.map(|_| ())
}

#[bisync]
async fn socks5_bind(tcp: &mut rt::Tcp, proxy: &Proxy, target: &Target) -> io::Result<SocketAddr> {
    socks5_hello(tcp, proxy, target).await?;
    socks5_request(tcp, proxy, target, 2).await?;
    socks5_reply(tcp, proxy, target).await?.ok_or_else(|| {
        failed(
            proxy,
            target,
            io::ErrorKind::InvalidData,
            "it named a host, not an address, for the server to connect to",
        )
    })
}

/// The greeting and, when the proxy wants it, the user name and password.
#[bisync]
async fn socks5_hello(tcp: &mut rt::Tcp, proxy: &Proxy, target: &Target) -> io::Result<()> {
    let odd = |why: &str| failed(proxy, target, io::ErrorKind::InvalidData, why);
    let methods: &[u8] = if proxy.credentials.is_some() {
        &[0x00, 0x02]
    } else {
        &[0x00]
    };
    let mut hello = vec![5, methods.len() as u8];
    hello.extend_from_slice(methods);
    tcp.write_all(&hello).await?;
    let mut chosen = [0u8; 2];
    tcp.read_exact(&mut chosen).await?;
    if chosen[0] != 5 {
        return Err(odd("it does not speak SOCKS5"));
    }
    match (chosen[1], &proxy.credentials) {
        (0x00, _) => Ok(()),
        (0x02, Some((user, pass))) => {
            if user.len() > 255 || pass.len() > 255 {
                return Err(odd("a user name or password longer than 255 bytes"));
            }
            let mut auth = vec![1, user.len() as u8];
            auth.extend_from_slice(user.as_bytes());
            auth.push(pass.len() as u8);
            auth.extend_from_slice(pass.as_bytes());
            tcp.write_all(&auth).await?;
            let mut status = [0u8; 2];
            tcp.read_exact(&mut status).await?;
            if status[1] != 0 {
                return Err(failed(
                    proxy,
                    target,
                    io::ErrorKind::PermissionDenied,
                    "it refused the user name and password",
                ));
            }
            Ok(())
        }
        (0xFF, None) => Err(failed(
            proxy,
            target,
            io::ErrorKind::PermissionDenied,
            "it wants a user name and password (socks5h://user:password@host)",
        )),
        _ => Err(odd("it accepts none of the authentication methods offered")),
    }
}

/// A request: 1 CONNECT, 2 BIND.
#[bisync]
async fn socks5_request(
    tcp: &mut rt::Tcp,
    proxy: &Proxy,
    target: &Target,
    command: u8,
) -> io::Result<()> {
    let mut request = vec![5, command, 0];
    match target {
        Target::Name(host, port) => {
            if host.len() > 255 {
                return Err(failed(
                    proxy,
                    target,
                    io::ErrorKind::InvalidInput,
                    "a host name longer than 255 bytes",
                ));
            }
            request.push(3);
            request.push(host.len() as u8);
            request.extend_from_slice(host.as_bytes());
            request.extend_from_slice(&port.to_be_bytes());
        }
        Target::Addr(SocketAddr::V4(a)) => {
            request.push(1);
            request.extend_from_slice(&a.ip().octets());
            request.extend_from_slice(&a.port().to_be_bytes());
        }
        Target::Addr(SocketAddr::V6(a)) => {
            request.push(4);
            request.extend_from_slice(&a.ip().octets());
            request.extend_from_slice(&a.port().to_be_bytes());
        }
    }
    tcp.write_all(&request).await
}

/// One reply: an error unless it says success; the address it names
/// (`None` when it names a host).
#[bisync]
async fn socks5_reply(
    tcp: &mut rt::Tcp,
    proxy: &Proxy,
    target: &Target,
) -> io::Result<Option<SocketAddr>> {
    let odd = |why: &str| failed(proxy, target, io::ErrorKind::InvalidData, why);
    let mut head = [0u8; 4];
    tcp.read_exact(&mut head).await?;
    if head[0] != 5 {
        return Err(odd("its reply is not SOCKS5"));
    }
    if head[1] != 0 {
        let kind = match head[1] {
            2 => io::ErrorKind::PermissionDenied,
            5 => io::ErrorKind::ConnectionRefused,
            _ => io::ErrorKind::Other,
        };
        return Err(failed(proxy, target, kind, socks_reply(head[1])));
    }
    match head[3] {
        1 => {
            let mut a = [0u8; 6];
            tcp.read_exact(&mut a).await?;
            let ip = std::net::Ipv4Addr::new(a[0], a[1], a[2], a[3]);
            Ok(Some(SocketAddr::new(
                ip.into(),
                u16::from_be_bytes([a[4], a[5]]),
            )))
        }
        4 => {
            let mut a = [0u8; 18];
            tcp.read_exact(&mut a).await?;
            let mut octets = [0u8; 16];
            octets.copy_from_slice(&a[..16]);
            let ip = std::net::Ipv6Addr::from(octets);
            Ok(Some(SocketAddr::new(
                ip.into(),
                u16::from_be_bytes([a[16], a[17]]),
            )))
        }
        3 => {
            let mut len = [0u8; 1];
            tcp.read_exact(&mut len).await?;
            let mut name = vec![0u8; usize::from(len[0]) + 2];
            tcp.read_exact(&mut name).await?;
            Ok(None)
        }
        _ => Err(odd("an address type SOCKS5 does not have")),
    }
}

/// The most an HTTP proxy's reply head may take.
const HEAD_LIMIT: usize = 16 * 1024;

#[bisync]
async fn http_connect(tcp: &mut rt::Tcp, proxy: &Proxy, target: &Target) -> io::Result<()> {
    let hostport = target.to_string();
    let mut request = format!("CONNECT {hostport} HTTP/1.1\r\nHost: {hostport}\r\n");
    if let Some((user, pass)) = &proxy.credentials {
        request.push_str(&format!(
            "Proxy-Authorization: Basic {}\r\n",
            base64(format!("{user}:{pass}").as_bytes())
        ));
    }
    request.push_str("\r\n");
    tcp.write_all(request.as_bytes()).await?;
    tcp.flush().await?;
    // A byte at a time: what follows the head is the FTP server's.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > HEAD_LIMIT {
            return Err(failed(
                proxy,
                target,
                io::ErrorKind::InvalidData,
                "its reply head never ends",
            ));
        }
        tcp.read_exact(&mut byte).await?;
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head);
    let status = text.lines().next().unwrap_or_default().trim().to_string();
    let code = status
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse::<u16>().ok());
    match code {
        Some(200..=299) if status.starts_with("HTTP/1.") => Ok(()),
        Some(407) => Err(failed(
            proxy,
            target,
            io::ErrorKind::PermissionDenied,
            &format!("{status} (give a user name and password: http://user:password@host)"),
        )),
        Some(403) => Err(failed(
            proxy,
            target,
            io::ErrorKind::PermissionDenied,
            &status,
        )),
        _ => Err(failed(
            proxy,
            target,
            io::ErrorKind::ConnectionRefused,
            &status,
        )),
    }
}
