import Foundation
import PublicServices
import Testing

@testable import ProvinceWeb

/// Every word the pages use is defined, in both languages, once: read from the templates (the bundle's and the
/// modules'), the code's literal keys, and the keys the code makes from the cases of an enumeration.
@Suite struct StringsTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources/ProvinceWeb")
        .standardizedFileURL

    /// The keys a text uses: `{{t.key}}` in templates, `t["key"]`, `strings["key"]`, `words(…)["key"]` and
    /// navigation labels in code.
    static func keys(in source: String) -> Set<String> {
        // Comments name keys as examples (`{{t.key}}`): only code and templates count.
        let text = source.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }.joined(separator: "\n")
        let patterns = [
            #"\{\{[#^/]?t\.([A-Za-z0-9_.]+)\}\}"#, #"\b(?:t|strings|words\([^)]*\))\["([A-Za-z0-9_.]+)"\]"#,
            #"label: "([A-Za-z0-9_.]+)""#, #"title: "([A-Za-z0-9_.]+)""#,
        ]
        var keys: Set<String> = []
        for pattern in patterns {
            let expression = try! NSRegularExpression(pattern: pattern)
            for match in expression.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                if let range = Range(match.range(at: 1), in: text) { keys.insert(String(text[range])) }
            }
        }
        return keys
    }

    @Test func everyKeyUsedIsDefinedInBothLanguages() throws {
        var used: [String: String] = [:]
        let files = try #require(FileManager.default.enumerator(at: Self.sources, includingPropertiesForKeys: nil))
        var read = 0
        for case let file as URL in files where ["swift", "mustache"].contains(file.pathExtension) {
            read += 1
            for key in Self.keys(in: try String(contentsOf: file, encoding: .utf8)) { used[key] = file.lastPathComponent }
        }
        #expect(read > 40)
        for module in PlatformModules.all {
            for (name, template) in module.templates {
                for key in Self.keys(in: template) { used[key] = "\(module) \(name)" }
            }
        }
        #expect(used.count > 150)
        // Keys made from an enumeration's cases.
        for level in ResolvingLevel.allCases { used["level.\(level.rawValue)"] = "ResolvingLevel" }
        for level in OnlineLevel.allCases { used["online.\(level.rawValue)"] = "OnlineLevel" }
        for channel in DossierChannel.allCases { used["channel.\(channel.rawValue)"] = "DossierChannel" }
        for state in ["connected", "down", "disabled", "unknown", "unmapped", "up"] { used["state.\(state)"] = "hub states" }
        let table = Strings.everyTable
        for (key, place) in used.sorted(by: { $0.key < $1.key }) {
            let words = table[key]
            #expect(words != nil, "\(key) (used in \(place)) has no words")
            #expect(words?.vi.isEmpty == false && words?.en.isEmpty == false, "\(key) lacks a language")
        }
    }

    @Test func noKeyIsDefinedTwice() {
        var owner: [String: String] = Dictionary(uniqueKeysWithValues: Strings.table.keys.map { ($0, "the platform") })
        for module in PlatformModules.all {
            for key in module.strings.keys {
                #expect(owner[key] == nil, "\(key) is defined by \(module) and \(owner[key] ?? "")")
                owner[key] = "\(module)"
            }
        }
    }
}
