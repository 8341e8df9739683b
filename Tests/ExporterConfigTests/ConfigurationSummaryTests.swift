import ExporterConfig
import Testing

struct ConfigurationSummaryTests {
    @Test("check-config's table shows each target's schedule, auth kind and jobs filter")
    func table() throws {
        let yaml = """
            targets:
              - name: m365-prod
                vendor: veeam_m365
                url: https://vbo.example.net:4443
                auth: {username: monitor, password: secret-pw}
                interval: 90s
                jobs: [a, b]
              - name: cv
                vendor: inet
                url: http://cv.example
                auth: {token: secret-token}
                timeout: 500ms
              - name: open
                vendor: inet
                url: https://i.example
            """
        let config = try ConfigLoader.parse(yaml: yaml, path: "c.yaml", environment: [:])
        #expect(ConfigurationSummary.table(for: config) == """
            NAME       VENDOR      URL                           INTERVAL  TIMEOUT  AUTH                JOBS
            m365-prod  veeam_m365  https://vbo.example.net:4443  1m30s     15s      basic user=monitor  a,b
            cv         inet        http://cv.example             1m        500ms    token               all
            open       inet        https://i.example             1m        15s      none                all

            """)
    }
}
