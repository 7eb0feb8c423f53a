import Foundation

/// Why the sockets passed by socket activation cannot be used.
public enum SocketActivationError: Error, Equatable, CustomStringConvertible {
    case invalidVariable(String, value: String)
    /// `LISTEN_FDNAMES` names a different number of descriptors than `LISTEN_FDS` passes.
    case namesDoNotMatch(names: Int, descriptors: Int)
    case unknownName(String)
    case duplicateName(String)
    /// Descriptors without names, but not the two that are taken as admin then pos.
    case unnamed(descriptors: Int)
    case notAListeningUnixStreamSocket(CInt)

    public var description: String {
        switch self {
        case .invalidVariable(let name, let value):
            "socket activation: \(name)=\(value) is not a number"
        case .namesDoNotMatch(let names, let descriptors):
            "socket activation: LISTEN_FDNAMES has \(names) names for \(descriptors) descriptors"
        case .unknownName(let name):
            "socket activation: a socket named \"\(name)\" was passed; scenicd serves \"admin\" and \"pos\" (FileDescriptorName=)"
        case .duplicateName(let name):
            "socket activation: more than one socket named \"\(name)\" was passed"
        case .unnamed(let descriptors):
            "socket activation: \(descriptors) sockets passed without names; name them \"admin\" and \"pos\" (FileDescriptorName=)"
        case .notAListeningUnixStreamSocket(let descriptor):
            "socket activation: descriptor \(descriptor) is not a listening Unix stream socket"
        }
    }
}

/// The listening sockets a service manager passed to this process, as sd_listen_fds(3)
/// describes them: `LISTEN_FDS` descriptors from 3 on, for the process `LISTEN_PID`, named
/// by the colon-separated `LISTEN_FDNAMES`. Read here without libsystemd.
///
/// A descriptor named `admin` or `pos` (`FileDescriptorName=` in a socket unit,
/// `--fdname` for systemd-socket-activate) stands for that socket; two passed without
/// names are admin then pos. Any other name is refused rather than ignored, since a socket
/// nobody serves would leave its clients waiting.
public struct SocketActivation: Equatable, Sendable {
    /// `SD_LISTEN_FDS_START`: descriptors 0 to 2 are stdin, stdout and stderr.
    public static let firstDescriptor: CInt = 3
    public static let variables = ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"]

    /// The descriptor passed for the admin socket, if one was.
    public var admin: CInt?
    /// The descriptor passed for the point-of-sale socket, if one was.
    public var pointOfSale: CInt?

    public init(admin: CInt? = nil, pointOfSale: CInt? = nil) {
        self.admin = admin
        self.pointOfSale = pointOfSale
    }

    /// Reads the variables as process `processID` sees them. Variables meant for another
    /// process (a `LISTEN_PID` that is not ours: we were started by the one they were
    /// passed to) or none at all mean no socket was passed.
    public init(environment: [String: String], processID: pid_t) throws(SocketActivationError) {
        self.init()
        guard let pidValue = environment["LISTEN_PID"], let countValue = environment["LISTEN_FDS"] else { return }
        guard let pid = pid_t(pidValue) else { throw .invalidVariable("LISTEN_PID", value: pidValue) }
        guard pid == processID else { return }
        guard let count = Int(countValue), count >= 0, count <= Int(CInt.max - Self.firstDescriptor) else {
            throw .invalidVariable("LISTEN_FDS", value: countValue)
        }
        guard count > 0 else { return }
        let descriptors = (0..<CInt(count)).map { Self.firstDescriptor + $0 }

        guard let namesValue = environment["LISTEN_FDNAMES"], !namesValue.isEmpty else {
            guard count == 2 else { throw .unnamed(descriptors: count) }
            admin = descriptors[0]
            pointOfSale = descriptors[1]
            return
        }
        let names = namesValue.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard names.count == count else { throw .namesDoNotMatch(names: names.count, descriptors: count) }
        for (name, descriptor) in zip(names, descriptors) {
            switch name {
            case "admin":
                guard admin == nil else { throw .duplicateName(name) }
                admin = descriptor
            case "pos":
                guard pointOfSale == nil else { throw .duplicateName(name) }
                pointOfSale = descriptor
            default:
                throw .unknownName(name)
            }
        }
    }

    /// Reads this process's variables and removes them from its environment, so that no
    /// child process (an SMS command) takes the sockets for its own.
    public static func takeFromEnvironment() throws(SocketActivationError) -> SocketActivation {
        defer { for name in variables { unsetenv(name) } }
        return try SocketActivation(environment: ProcessInfo.processInfo.environment, processID: getpid())
    }
}
