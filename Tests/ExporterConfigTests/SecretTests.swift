import BackupModel
import ExporterConfig
import Testing

struct SecretTests {
    let secret = Secret("hunter2-top-secret")

    @Test("reveal() is the only way to get the value")
    func reveal() {
        #expect(secret.reveal() == "hunter2-top-secret")
    }

    @Test("interpolation, describing, reflecting and dump all show <redacted>")
    func everyPrintedFormIsRedacted() {
        #expect("\(secret)" == "<redacted>")
        #expect(String(describing: secret) == "<redacted>")
        #expect(String(reflecting: secret) == "<redacted>")
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(dumped == "- <redacted>\n")
    }

    @Test("a whole configuration printed in every way never shows a password or token")
    func wholeConfigurationIsRedacted() throws {
        let yaml = oneTarget("""
            auth:
              username: monitor
              password: hunter2-top-secret
              token: tok-very-secret
            """)
        let config = try ConfigLoader.parse(yaml: yaml, path: "c.yaml", environment: [:])
        #expect(config.targets[0].auth.password?.reveal() == "hunter2-top-secret")
        var dumped = ""
        dump(config, to: &dumped)
        let texts = ["\(config)", String(describing: config), String(reflecting: config), dumped,
                     "\(config.targets[0].auth)", ConfigurationSummary.table(for: config)]
        for text in texts {
            #expect(!text.contains("hunter2"))
            #expect(!text.contains("very-secret"))
        }
        #expect("\(config)".contains("<redacted>"))
    }
}
