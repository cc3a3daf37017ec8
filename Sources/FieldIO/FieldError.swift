/// The one error type a user sees: a single line naming the file, the place in it, and what was expected.
public struct FieldError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file the problem is in (empty when no file is involved).
    public var file: String
    /// Where in the file: a JSON key path such as `encoding.n_levels`, a line, a frame; may be empty.
    public var location: String
    /// What is wrong and what was expected.
    public var message: String

    public init(file: String = "", location: String = "", _ message: String) {
        self.file = file
        self.location = location
        self.message = message
    }

    /// `file: location: message`, leaving out the parts that are empty.
    public var description: String {
        [file, location, message].filter { !$0.isEmpty }.joined(separator: ": ")
    }
}
