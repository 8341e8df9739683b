import ExporterConfig

/// The REST API versions a Veeam Backup for Microsoft 365 server may serve. v3 went away with
/// product version 6.0; 6.x speaks v6, 7.x v6 and v7, 8.x v6 to v8.
///
/// Two differences matter to the adapter, both read from the vendor's OpenAPI documents as the
/// PyPI package `veeam-365` ships them: `GET /Jobs` answers a plain array up to v7 and a page
/// object (`offset`, `limit`, `results`) from v8 on, and only v7 and later filter
/// `GET /JobSessions` by `jobId` (v6 lists a job's sessions at `/Jobs/{id}/JobSessions`). Only v8
/// sessions carry a `jobId` field.
typealias VeeamM365APIVersion = VeeamM365Options.APIVersion

extension VeeamM365APIVersion {
    /// This version and the older ones, newest first: the order to try when a server answers 404.
    var withFallbacks: [VeeamM365APIVersion] {
        Self.allCases.filter { $0 <= self }.sorted(by: >)
    }

    var filtersSessionsByJobID: Bool { self >= .v7 }
}
