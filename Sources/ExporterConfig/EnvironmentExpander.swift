/// `${NAME}` and `$NAME` expansion with `$$` for a literal dollar, as docker-compose does, so
/// `password_file: $CREDENTIALS_DIRECTORY/m365` works the way systemd's documentation writes it.
/// A `$` followed by anything else stays as it is.
///
/// An unset variable is an error rather than an empty string: an empty password or a path of
/// "/m365" would fail later, far from its cause.
enum EnvironmentExpander {
    enum Failure: Error, Equatable {
        /// `braced` tells whether it was written `${NAME}`: a bare `$word` inside a literal
        /// password may just be part of the password, so callers must not echo that name.
        case unset(name: String, braced: Bool)
        case unterminated
        case invalidName
    }

    static func expand(_ text: String, environment: [String: String]) -> Result<String, Failure> {
        guard text.contains("$") else { return .success(text) }
        var output = ""
        var characters = Substring(text)
        while let dollar = characters.firstIndex(of: "$") {
            output += characters[..<dollar]
            let rest = characters[characters.index(after: dollar)...]
            guard let next = rest.first else {
                output += "$"
                characters = rest
                break
            }
            if next == "$" {
                output += "$"
                characters = rest.dropFirst()
            } else if next == "{" {
                let body = rest.dropFirst()
                guard let close = body.firstIndex(of: "}") else { return .failure(.unterminated) }
                let name = String(body[..<close])
                guard isValidName(name) else { return .failure(.invalidName) }
                guard let value = environment[name] else { return .failure(.unset(name: name, braced: true)) }
                output += value
                characters = body[body.index(after: close)...]
            } else if isNameStart(next) {
                let nameEnd = rest.firstIndex(where: { !isNameCharacter($0) }) ?? rest.endIndex
                let name = String(rest[..<nameEnd])
                guard let value = environment[name] else { return .failure(.unset(name: name, braced: false)) }
                output += value
                characters = rest[nameEnd...]
            } else {
                output += "$"
                characters = rest
            }
        }
        output += characters
        return .success(output)
    }

    private static func isNameStart(_ character: Character) -> Bool {
        character == "_" || (character.isASCII && character.isLetter)
    }

    private static func isNameCharacter(_ character: Character) -> Bool {
        character == "_" || (character.isASCII && (character.isLetter || character.isNumber))
    }

    private static func isValidName(_ name: String) -> Bool {
        guard let first = name.first, isNameStart(first) else { return false }
        return name.allSatisfy(isNameCharacter)
    }
}
