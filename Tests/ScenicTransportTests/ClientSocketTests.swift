import ScenicTransport
import Testing

@Suite("where a client looks for the daemon when told nothing")
struct ClientSocketTests {
    @Test("$SCENIC_DATA_DIR first, then the service's socket in /run/scenic if it is there, then the default data directory")
    func order() {
        let running: (String) -> Bool = { $0 == "/run/scenic/pos.sock" }
        let absent: (String) -> Bool = { _ in false }
        let environment = ["HOME": "/home/pos", "XDG_STATE_HOME": ""]
        #expect(
            ScenicPaths.clientSocket(ScenicPaths.posSocket(inDataDirectory:), environment: ["SCENIC_DATA_DIR": "/srv/scenic"], exists: running)
                == "/srv/scenic/pos.sock")
        #expect(ScenicPaths.clientSocket(ScenicPaths.posSocket(inDataDirectory:), environment: environment, exists: running) == "/run/scenic/pos.sock")
        #expect(
            ScenicPaths.clientSocket(ScenicPaths.adminSocket(inDataDirectory:), environment: environment, exists: absent)
                == ScenicPaths.defaultDataDirectory(environment: environment) + "/admin.sock")
    }
}
