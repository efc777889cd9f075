import AdminSimulator
import CoreValues
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A deliberately small Admin API client for the simulator tests: raw GETs, plus a pagination
/// loop that repeats every other parameter with `page=` and retries the documented transient
/// failures (including unreadable 200 bodies).
struct TestClient {
    let baseURL: URL
    var adminKey: String
    var version: String? = "2023-06-01"
    /// false leaves `x-api-key` out (for `Authorization: Bearer` in `headers`).
    var sendsXAPIKey = true
    /// Sent on every request (e.g. `anthropic-beta`).
    var headers: [String: String] = [:]

    init(_ sim: AdminSimulator) {
        baseURL = sim.baseURL
        adminKey = sim.adminKey
    }

    struct Reply {
        let status: Int
        let headers: [String: String]
        let body: Data
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
        var errorType: String? { (json?["error"] as? [String: Any])?["type"] as? String }
    }

    static func encode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~:")
        return s.addingPercentEncoding(withAllowedCharacters: allowed)!
    }

    func get(_ path: String, _ query: [(String, String)] = [], headers: [String: String] = [:], method: String = "GET") async throws
        -> Reply
    {
        var components = URLComponents(url: baseURL.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        if !query.isEmpty {
            components.percentEncodedQuery = query.map { TestClient.encode($0.0) + "=" + TestClient.encode($0.1) }.joined(separator: "&")
        }
        var request = URLRequest(url: components.url!)
        request.httpMethod = method
        if sendsXAPIKey { request.setValue(adminKey, forHTTPHeaderField: "x-api-key") }
        if let version { request.setValue(version, forHTTPHeaderField: "anthropic-version") }
        for (k, v) in self.headers.merging(headers, uniquingKeysWith: { $1 }) { request.setValue(v, forHTTPHeaderField: k) }
        // A fresh session per request: a dropped connection must not poison a pooled one.
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (k, v) in http.allHeaderFields { fields[String(describing: k).lowercased()] = String(describing: v) }
        return Reply(status: http.statusCode, headers: fields, body: data)
    }

    struct GaveUp: Error { let last: String }

    /// One page, retried on 429/5xx/529, network errors and bodies that are not JSON.
    func getRetrying(_ path: String, _ query: [(String, String)], attempts: Int = 6) async throws -> [String: Any] {
        var last = ""
        for _ in 0..<attempts {
            do {
                let r = try await get(path, query)
                if r.status == 200, let json = r.json { return json }
                last = "status \(r.status)"
                if r.status == 429 || r.status >= 500 || r.status == 200 {
                    // retry-after-ms first, then retry-after (seconds), as the official SDK does.
                    let ms =
                        r.headers["retry-after-ms"].flatMap(Int.init)
                        ?? r.headers["retry-after"].flatMap(Int.init).map { $0 * 1_000 } ?? 10
                    try await Task.sleep(for: .milliseconds(ms))
                    continue
                }
                throw GaveUp(last: "status \(r.status): \(String(decoding: r.body, as: UTF8.self))")
            } catch let e as GaveUp {
                throw e
            } catch {
                last = "\(error)"
            }
        }
        throw GaveUp(last: last)
    }

    /// Every page of a report chain; returns the pages' `data` arrays concatenated.
    func fetchAll(
        _ path: String, _ query: [(String, String)], retrying: Bool = false,
        onPage: ([String: Any]) -> Void = { _ in }
    ) async throws -> (data: [[String: Any]], pages: Int) {
        var all: [[String: Any]] = []
        var page: String?
        var pages = 0
        repeat {
            let q = query + (page.map { [("page", $0)] } ?? [])
            let json: [String: Any]
            if retrying {
                json = try await getRetrying(path, q)
            } else {
                let r = try await get(path, q)
                guard r.status == 200, let j = r.json else {
                    throw GaveUp(last: "status \(r.status): \(String(decoding: r.body, as: UTF8.self))")
                }
                json = j
            }
            pages += 1
            all += json["data"] as! [[String: Any]]
            let hasMore = json["has_more"] as! Bool
            page = json["next_page"] as? String
            precondition(hasMore == (page != nil), "has_more and next_page disagree")
            onPage(json)
        } while page != nil
        return (all, pages)
    }
}

/// Field access that treats JSON null as nil.
func str(_ row: [String: Any], _ key: String) -> String? { row[key] as? String }
func int(_ row: [String: Any], _ key: String) -> Int { (row[key] as? NSNumber)?.intValue ?? -1 }

extension [String: Any] {
    var tokenCounts: TokenCounts {
        let cc = self["cache_creation"] as! [String: Any]
        let stu = self["server_tool_use"] as! [String: Any]
        return TokenCounts(
            uncachedInput: int(self, "uncached_input_tokens"), cacheWrite5m: int(cc, "ephemeral_5m_input_tokens"),
            cacheWrite1h: int(cc, "ephemeral_1h_input_tokens"), cacheRead: int(self, "cache_read_input_tokens"),
            output: int(self, "output_tokens"), webSearchRequests: int(stu, "web_search_requests"))
    }
}

enum Fixture {
    static let today = Day("2025-06-01")!
    /// Inside the analytics API's servable range (from 2026-01-01, within 365 days).
    static let analyticsToday = Day("2026-12-02")!

    static func config(seed: UInt64 = 11, history: Int = 12) -> SimulatorConfiguration {
        SimulatorConfiguration(seed: seed, today: today, historyDays: history)
    }
}
