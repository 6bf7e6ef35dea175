//! Which addresses and host names a user-supplied URL may reach.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// IPv4 ranges that are not the public internet.
const V4_FORBIDDEN: &[([u8; 4], u8)] = &[
    ([0, 0, 0, 0], 8),       // "this network", includes 0.0.0.0
    ([10, 0, 0, 0], 8),      // private
    ([100, 64, 0, 0], 10),   // carrier-grade NAT
    ([127, 0, 0, 0], 8),     // loopback
    ([169, 254, 0, 0], 16),  // link-local, cloud metadata endpoints
    ([172, 16, 0, 0], 12),   // private
    ([192, 0, 0, 0], 24),    // IETF protocol assignments
    ([192, 0, 2, 0], 24),    // documentation
    ([192, 88, 99, 0], 24),  // 6to4 relay anycast
    ([192, 168, 0, 0], 16),  // private
    ([198, 18, 0, 0], 15),   // benchmarking
    ([198, 51, 100, 0], 24), // documentation
    ([203, 0, 113, 0], 24),  // documentation
    ([224, 0, 0, 0], 4),     // multicast
    ([240, 0, 0, 0], 4),     // reserved, includes broadcast 255.255.255.255
];

/// True when `ip` is not a public unicast address: loopback, private, link-local, unique-local,
/// unspecified, CGNAT, multicast, broadcast, documentation, benchmarking, reserved, or an IPv6
/// address embedding such an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo).
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_forbidden(v4),
        IpAddr::V6(v6) => v6_forbidden(v6),
    }
}

fn v4_forbidden(ip: Ipv4Addr) -> bool {
    let ip = u32::from(ip);
    V4_FORBIDDEN.iter().any(|&(net, len)| {
        let mask = u32::MAX << (32 - len);
        ip & mask == u32::from_be_bytes(net) & mask
    })
}

fn v6_forbidden(ip: Ipv6Addr) -> bool {
    let bits = u128::from(ip);
    let low_v4 = Ipv4Addr::from(bits as u32);
    match bits >> 32 {
        // ::a.b.c.d (IPv4-compatible, also :: and ::1), ::ffff:a.b.c.d (mapped),
        // ::ffff:0:a.b.c.d (translated), 64:ff9b::a.b.c.d (NAT64).
        0 | 0xffff | 0xffff_0000 | 0x0064_ff9b_0000_0000_0000_0000 => return v4_forbidden(low_v4),
        _ => {}
    }
    let first = ip.segments()[0];
    let second = ip.segments()[1];
    if first == 0x2002 {
        // 6to4: 2002:aabb:ccdd::/48 carries a.b.c.d.
        return v4_forbidden(Ipv4Addr::from((bits >> 80) as u32));
    }
    if first == 0x2001 && second == 0 {
        // Teredo: server address in bits 64..96, client address inverted in the low 32 bits.
        let server = Ipv4Addr::from((bits >> 64) as u32);
        return v4_forbidden(server) || v4_forbidden(Ipv4Addr::from(!(bits as u32)));
    }
    // Only global unicast 2000::/3 is public: this excludes unique-local fc00::/7, link-local
    // fe80::/10, site-local, multicast ff00::/8, discard 100::/64 and local-use NAT64 64:ff9b:1::/48.
    first & 0xe000 != 0x2000
        || (first == 0x2001 && second == 0x0db8) // documentation 2001:db8::/32
        || (first == 0x2001 && second == 0x0002 && ip.segments()[2] == 0) // benchmarking 2001:2::/48
        || first & 0xfff0 == 0x3ff0 // documentation 3fff::/20
}

/// True for names that mean this machine whatever DNS says: `localhost` and `*.localhost`.
pub(crate) fn is_local_name(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost" || host.ends_with(".localhost")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_and_allowed_addresses() {
        let forbidden = [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "10.255.255.255",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.1.2.3",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::127.0.0.1",
            "::10.0.0.1",
            "::ffff:127.0.0.1",
            "::ffff:7f00:1",
            "::ffff:169.254.169.254",
            "::ffff:192.168.0.1",
            "::ffff:0:127.0.0.1",
            "64:ff9b::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1",
            "2002:7f00:1::",
            "2002:a9fe:a9fe::1",
            "2002:c0a8:0101::1",
            "2001:0:7f00:1::1",
            "2001:0:808:808:0:0:f5ff:fffe", // Teredo client 10.0.0.1 (inverted)
            "2001:db8::1",
            "2001:2::1",
            "3fff::1",
            "fc00::1",
            "fd00::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "100::1",
        ];
        for ip in forbidden {
            assert!(
                is_forbidden(ip.parse().unwrap()),
                "{ip} should be forbidden"
            );
        }
        let allowed = [
            "8.8.8.8",
            "1.1.1.1",
            "93.184.216.34",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.3.1",
            "192.169.0.1",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "2606:4700::1111",
            "2001:4860:4860::8888",
            "2a00:1450:4001:82a::200e",
            "::ffff:8.8.8.8",
            "::8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
            "2001:0:808:808:0:0:f7f7:f7f7", // Teredo server 8.8.8.8, client 8.8.8.8
        ];
        for ip in allowed {
            assert!(!is_forbidden(ip.parse().unwrap()), "{ip} should be allowed");
        }
    }

    #[test]
    fn local_names() {
        for name in [
            "localhost",
            "LOCALHOST",
            "localhost.",
            "foo.localhost",
            "a.b.localhost.",
        ] {
            assert!(is_local_name(name), "{name}");
        }
        for name in [
            "example.com",
            "localhost.example.com",
            "notlocalhost",
            "mylocalhost",
        ] {
            assert!(!is_local_name(name), "{name}");
        }
    }
}
