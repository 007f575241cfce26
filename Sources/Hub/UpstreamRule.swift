import AsyncHTTPClient
import Foundation
import NIOCore
import ProvinceCore

/// Where a service's provider may live, so that the hub cannot be made to call what it must not reach: never a
/// link-local address (169.254.0.0/16, where clouds answer with their credentials; fe80::/10), an unspecified or a
/// multicast one, nor the hub's own ports on this machine; and, when the operator names networks
/// (`serve --upstream-networks`), only addresses inside them. Checked when a service's address is saved or its
/// description fetched, and again on every connection the gateway opens, on the address it really reached.
public struct UpstreamRule: Sendable {
    /// Networks upstreams may live in; empty: any address that is not refused outright.
    public var networks: [IPNetwork]
    /// The hub's own ports (web, gateway, mutual TLS): refused on loopback and on every address of this machine.
    public var ownPorts: Set<Int>
    /// This machine's addresses, read from its interfaces when the rule is made.
    let localAddresses: [[UInt8]]

    public init(networks: [IPNetwork] = [], ownPorts: Set<Int> = []) {
        self.networks = networks
        self.ownPorts = ownPorts
        localAddresses = ((try? System.enumerateDevices()) ?? []).compactMap { $0.address.flatMap(Self.bytes(of:)).map(IPNetwork.unmapped) }
    }

    /// Whether the gateway may talk to `address`.
    public func permits(_ address: SocketAddress) -> Bool {
        guard let bytes = Self.bytes(of: address), let port = address.port else { return false }
        return permits(bytes, port: port)
    }

    /// Whether an address (4 or 16 bytes) and port may be an upstream.
    public func permits(_ bytes: [UInt8], port: Int) -> Bool {
        let address = IPNetwork.unmapped(bytes)
        if IPNetwork.neverAllowed.contains(where: { $0.contains(address) }) { return false }
        if ownPorts.contains(port) && (IPNetwork.thisMachine.contains(where: { $0.contains(address) }) || localAddresses.contains(address)) {
            return false
        }
        return networks.isEmpty || networks.contains { $0.contains(address) }
    }

    /// The bytes of an IPv4 or IPv6 socket address.
    static func bytes(of address: SocketAddress) -> [UInt8]? {
        switch address {
        case .v4(let v4): withUnsafeBytes(of: v4.address.sin_addr) { Array($0) }
        case .v6(let v6): withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
        default: nil
        }
    }

    /// The refusal to give when a URL's host resolves to an address the rule refuses. The same words whatever the
    /// reason, so that the answer does not map the networks behind the hub.
    static var refusal: LocalizedText {
        LocalizedText(
            vi: "Địa chỉ này không được dùng làm nơi cung cấp dịch vụ.", en: "This address may not be used as a service's provider.")
    }

    /// Checks the URL's host as resolved now: nil when every address it resolves to is permitted.
    public func problem(withURL text: String) async -> LocalizedText? {
        switch await checkedAddresses(text) {
        case .success: nil
        case .failure(let refusal): refusal.text
        }
    }

    struct Refusal: Error {
        var text: LocalizedText
    }

    /// The URL and the addresses its host resolves to now, when the rule permits every one of them.
    func checkedAddresses(_ text: String) async -> Result<(URLComponents, [SocketAddress]), Refusal> {
        guard let url = URLComponents(string: text), let host = url.host, let scheme = url.scheme, ["http", "https"].contains(scheme) else {
            return .failure(Refusal(text: LocalizedText(vi: "Địa chỉ phải là URL http hoặc https.", en: "The address must be an http or https URL.")))
        }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        let addresses = await Self.resolve(host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port: port)
        guard !addresses.isEmpty, addresses.allSatisfy(permits) else { return .failure(Refusal(text: Self.refusal)) }
        return .success((url, addresses))
    }

    /// A request for `text` that goes where the rule was asked about, or nil when the rule refuses it (see
    /// ``checkedTarget(_:)``).
    public func checkedRequest(_ text: String) async -> HTTPClientRequest? {
        guard let target = await checkedTarget(text) else { return nil }
        var request = HTTPClientRequest(url: target.url)
        if let host = target.host { request.headers.replaceOrAdd(name: "Host", value: host) }
        return request
    }

    /// Where a call to `text` goes, and the `Host` it names when that is not the URL's own. Over http it goes to the
    /// address resolved and checked now, the name kept in `Host`: a name that would resolve elsewhere when asked again
    /// (DNS rebinding) is not asked again. Over https it goes by the name, which the provider's certificate must then
    /// prove.
    func checkedTarget(_ text: String) async -> (url: String, host: String?)? {
        guard case .success(let (url, addresses)) = await checkedAddresses(text) else { return nil }
        guard url.scheme == "http", let address = addresses.first?.ipAddress, let host = url.host else { return (text, nil) }
        let literal = address.contains(":") ? "[\(address)]" : address
        let port = url.port.map { ":\($0)" } ?? ""
        let path = url.percentEncodedPath.isEmpty ? "/" : url.percentEncodedPath
        let query = url.percentEncodedQuery.map { "?\($0)" } ?? ""
        return ("http://\(literal)\(port)\(path)\(query)", url.port.map { "\(host):\($0)" } ?? host)
    }

    /// The addresses a host name (or literal) resolves to; none when it does not resolve.
    static func resolve(_ host: String, port: Int) async -> [SocketAddress] {
        (try? await NIOThreadPoolResolver.resolve(host, port: port)) ?? []
    }
}

extension UpstreamRule {
    /// The client the hub reaches providers with outside the gateway (descriptions, probes): it follows no redirect, so
    /// that an answer cannot send it where the rule was not asked.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()
}

/// Name resolution on a thread of its own, as `getaddrinfo` blocks.
enum NIOThreadPoolResolver {
    static func resolve(_ host: String, port: Int) async throws -> [SocketAddress] {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try SocketAddress.resolveAll(host: host, port: port) })
            }.start()
        }
    }
}

extension SocketAddress {
    /// Every address `getaddrinfo` gives for a host.
    static func resolveAll(host: String, port: Int) throws -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [SocketAddress] = []
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let info = next {
            if let raw = info.pointee.ai_addr {
                switch Int32(raw.pointee.sa_family) {
                case AF_INET:
                    addresses.append(raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { SocketAddress($0.pointee, host: host) })
                case AF_INET6:
                    addresses.append(raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { SocketAddress($0.pointee, host: host) })
                default: break
                }
            }
            next = info.pointee.ai_next
        }
        return addresses
    }
}

/// An IPv4 or IPv6 network in CIDR notation (`10.0.0.0/8`, `fd00::/8`).
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]
    public let prefixLength: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let address = Self.parse(String(first)) else { return nil }
        let length = parts.count == 2 ? Int(parts[1]) : address.count * 8
        guard let length, (0...address.count * 8).contains(length) else { return nil }
        bytes = address
        prefixLength = length
    }

    public var description: String {
        let address =
            bytes.count == 4
            ? bytes.map(String.init).joined(separator: ".")
            : stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":")
        return "\(address)/\(prefixLength)"
    }

    /// Whether an address written as text (IPv4, IPv6, IPv4-mapped IPv6) is inside this network.
    public func contains(address text: String) -> Bool {
        Self.parse(text).map { contains(Self.unmapped($0)) } ?? false
    }

    /// Whether `address` (4 or 16 bytes) is inside this network.
    public func contains(_ address: [UInt8]) -> Bool {
        guard address.count == bytes.count else { return false }
        var remaining = prefixLength
        for index in 0..<bytes.count where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if address[index] & mask != bytes[index] & mask { return false }
            remaining -= bits
        }
        return true
    }

    /// The address bytes of an IPv4 or IPv6 literal.
    static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: v6) { Array($0) } }
        return nil
    }

    /// An IPv4 address written as IPv6 (`::ffff:169.254.169.254`) as the IPv4 address it is.
    static func unmapped(_ bytes: [UInt8]) -> [UInt8] {
        if bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF { return Array(bytes[12...]) }
        return bytes
    }

    /// Link-local, unspecified, multicast and broadcast, and the clouds' instance metadata wherever it answers (AWS over
    /// IPv6, Alibaba, link-local reached through NAT64): never an upstream.
    static let neverAllowed = [
        "169.254.0.0/16", "0.0.0.0/8", "224.0.0.0/4", "255.255.255.255/32", "fe80::/10", "::/128", "ff00::/8", "fd00:ec2::254/128",
        "100.100.100.200/32", "64:ff9b::a9fe:0/112",
    ].compactMap(IPNetwork.init)

    /// Addresses that reach this machine whatever its interfaces: loopback.
    static let thisMachine = ["127.0.0.0/8", "::1/128"].compactMap(IPNetwork.init)
}
