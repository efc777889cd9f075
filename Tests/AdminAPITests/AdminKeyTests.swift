import Foundation
import Testing

@testable import AdminAPI

@Suite("Admin key and redaction")
struct AdminKeyTests {
    static let secret = "sk-ant-admin01-SECRET.SECRET.SECRET.abc.123"

    @Test func neverPrintsTheSecret() throws {
        let key = try #require(AdminKey(Self.secret))
        var dumped = ""
        dump(key, to: &dumped)
        let renderings = [
            key.description, key.debugDescription, "\(key)", String(describing: key), String(reflecting: key), dumped,
            "\(Mirror(reflecting: key).children.map { "\($0)" })", "\([key])", "\(Optional(key) as Any)",
        ]
        for text in renderings {
            #expect(!text.contains("SECRET"), "leaked in \(text)")
            #expect(!text.contains(Self.secret))
        }
        #expect(key.hasAdminPrefix)
    }

    @Test func trimsAndValidates() throws {
        #expect(try #require(AdminKey("  \(Self.secret)\r\n")).secret == Self.secret)
        #expect(AdminKey("") == nil)
        #expect(AdminKey(" \n ") == nil)
        #expect(AdminKey("sk-ant admin") == nil)
        #expect(AdminKey("sk-ant-\u{0}x") == nil)
        #expect(AdminKey("sk-ant-é") == nil)
        #expect(try #require(AdminKey("oauth-token")).hasAdminPrefix == false)
    }

    @Test func firstLineOfAKeyFile() throws {
        #expect(try #require(AdminKey(firstLineOf: "\(Self.secret)\nsecond line\n")).secret == Self.secret)
        #expect(try #require(AdminKey(firstLineOf: Self.secret)).secret == Self.secret)
        #expect(try #require(AdminKey(firstLineOf: "\(Self.secret)\r\nsecond line\r\n")).secret == Self.secret)
        #expect(AdminKey(firstLineOf: "\nkey on line two") == nil)
    }

    @Test func scrubsTheKeyAndKeyShapedTokens() throws {
        let key = try #require(AdminKey("custom-token-123"))
        #expect(Redaction.scrub("bad key custom-token-123!", key: key) == "bad key [redacted]!")
        #expect(Redaction.scrub("header was sk-ant-api03-AbC_d-9 ok", key: nil) == "header was [redacted] ok")
        #expect(Redaction.scrub("sk-ant-admin01-x and sk-ant-y", key: nil) == "[redacted] and [redacted]")
        #expect(Redaction.scrub("nothing here", key: key) == "nothing here")
    }

    @Test func errorBodyIsParsedAndScrubbed() throws {
        let key = try #require(AdminKey(Self.secret))
        let body =
            #"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key \#(Self.secret)"},"request_id":"req_1"}"#
        let parsed = try #require(AdminAPIError.ErrorBody.parse(Data(body.utf8), key: key))
        #expect(parsed.type == "error")
        #expect(parsed.errorType == "authentication_error")
        #expect(parsed.message == "invalid x-api-key [redacted]")
        #expect(parsed.requestID == "req_1")
        #expect(AdminAPIError.ErrorBody.parse(Data("<html>".utf8), key: key) == nil)
        #expect(AdminAPIError.ErrorBody.parse(Data(#"{"data":[]}"#.utf8), key: key) == nil)
        let long = #"{"type":"error","error":{"type":"x","message":"\#(String(repeating: "m", count: 2000))"}}"#
        #expect(try #require(AdminAPIError.ErrorBody.parse(Data(long.utf8), key: key)?.message).count <= 501)
    }

    @Test(arguments: [
        (401, AdminAPIError.Classification.authentication), (403, .authentication), (400, .invalidRequest),
        (404, .invalidRequest), (413, .invalidRequest), (429, .unavailable), (408, .unavailable), (409, .unavailable),
        (500, .unavailable), (529, .unavailable), (200, .malformedResponse), (302, .invalidRequest),
    ])
    func statusClassification(status: Int, classification: AdminAPIError.Classification) {
        #expect(AdminAPIError.classification(forStatus: status) == classification)
    }

    @Test func baseURLValidation() throws {
        #expect(try AdminClient.origin(of: "https://api.anthropic.com/") == "https://api.anthropic.com")
        #expect(try AdminClient.origin(of: "http://127.0.0.1:8080") == "http://127.0.0.1:8080")
        #expect(try AdminClient.origin(of: "http://localhost:9/prefix//") == "http://localhost:9/prefix")
        for bad in ["", "api.anthropic.com", "ftp://host", "https://user:pw@host", "https://host/?q=1", "https://"] {
            #expect(throws: AdminAPIError.self, "\(bad)") { try AdminClient.origin(of: bad) }
        }
    }
}
