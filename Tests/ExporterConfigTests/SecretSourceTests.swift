import ExporterConfig
import Foundation
import TestSupport
import Testing

/// Where passwords and tokens come from: literal, file or environment, and how each can fail.
struct SecretSourceTests {
    @Test("a relative password_file and ca_file are resolved against the config file's folder")
    func relativePaths() throws {
        let folder = try TemporaryDirectory()
        try folder.write("creds/pw", "s3cret\n\n")
        try folder.write("pki/ca.pem", "pem")
        let path = try folder.write("etc/config.yaml", oneTarget("""
            auth:
              username: monitor
              password_file: ../creds/pw
            tls:
              ca_file: ../pki/./ca.pem
            """))
        let target = try ConfigLoader.load(path: path, environment: [:]).targets[0]
        #expect(target.auth.password?.reveal() == "s3cret")
        #expect(target.tls.caFile == folder.path + "/pki/ca.pem")
    }

    @Test("a $CREDENTIALS_DIRECTORY path works written bare or braced")
    func credentialsDirectory() throws {
        let credentials = try TemporaryDirectory()
        try credentials.write("m365", "from-systemd")
        for written in ["$CREDENTIALS_DIRECTORY/m365", "${CREDENTIALS_DIRECTORY}/m365"] {
            let yaml = oneTarget("auth:\n  token_file: \(written)")
            let config = try ConfigLoader.parse(yaml: yaml, path: "/nonexistent/c.yaml",
                                                environment: ["CREDENTIALS_DIRECTORY": credentials.path])
            #expect(config.targets[0].auth.token?.reveal() == "from-systemd")
        }
    }

    @Test("a missing password file names the key and the resolved path")
    func missingPasswordFile() throws {
        let folder = try TemporaryDirectory()
        let error = parseError(oneTarget("auth:\n  username: u\n  password_file: pw.txt"), path: folder.path + "/c.yaml")
        #expect(error?.description == "\(folder.path)/c.yaml:7: targets[0].auth.password_file: cannot read '\(folder.path)/pw.txt': no such file")
    }

    @Test("a missing ca_file names the key and the resolved path")
    func missingCAFile() throws {
        let folder = try TemporaryDirectory()
        let error = parseError(oneTarget("tls:\n  ca_file: ca.pem"), path: folder.path + "/c.yaml")
        #expect(error?.description == "\(folder.path)/c.yaml:6: targets[0].tls.ca_file: cannot use '\(folder.path)/ca.pem': no such file")
    }

    @Test("an unset password_env names the variable, not a value")
    func unsetPasswordEnv() {
        #expect(parseError(oneTarget("auth:\n  username: u\n  password_env: M365_PASSWORD"))?.description
                == "config.yaml:7: targets[0].auth.password_env: environment variable 'M365_PASSWORD' is not set")
    }

    @Test("an unset ${X} anywhere names the variable and the key")
    func unsetExpansion() {
        #expect(parseError(oneTarget("auth:\n  username: u\n  password: ${M365_PASSWORD}"))?.description
                == "config.yaml:7: targets[0].auth.password: environment variable 'M365_PASSWORD' is not set")
        #expect(parseError(oneTarget(url: "https://${HOST}:4443"))?.description
                == "config.yaml:4: targets[0].url: environment variable 'HOST' is not set")
        #expect(parseError(oneTarget("jobs: [\"${JOB\"]"))?.description
                == "config.yaml:5: targets[0].jobs[0]: unterminated '${' (write '$$' for a literal '$')")
    }

    @Test("a bare $word in a literal password is never echoed in the error")
    func bareDollarInPasswordIsNotEchoed() {
        let error = parseError(oneTarget("auth:\n  username: u\n  password: Pa$sw0rd"))
        #expect(error?.description == "config.yaml:7: targets[0].auth.password: refers to an environment variable that is not set (write '$$' for a literal '$')")
        #expect(error?.description.contains("sw0rd") == false)
    }

    @Test("two sources for the same secret are refused, naming both keys")
    func twoSources() {
        #expect(parseError(oneTarget("auth:\n  username: u\n  password: a\n  password_env: B"))?.description
                == "config.yaml:8: targets[0].auth.password_env: set only one of password, password_file, password_env ('password' is already set on line 7)")
        #expect(parseError(oneTarget("auth:\n  token_file: /x\n  token: a"))?.description
                == "config.yaml:7: targets[0].auth.token: set only one of token, token_file, token_env ('token_file' is already set on line 6)")
    }

    @Test("a username and a password need each other, and a secret may not be empty")
    func pairing() {
        #expect(parseError(oneTarget("auth:\n  password: p"))?.description
                == "config.yaml:5: targets[0].auth.username: missing required key: a password needs a username")
        #expect(parseError(oneTarget("auth:\n  username: u"))?.description
                == "config.yaml:6: targets[0].auth.username: has no password (set password, password_file or password_env)")
        #expect(parseError(oneTarget("auth:\n  token_env: T"), environment: ["T": ""])?.description
                == "config.yaml:6: targets[0].auth.token_env: the token is empty")
    }
}
