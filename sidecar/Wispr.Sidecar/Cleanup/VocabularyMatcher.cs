using System.Text;

namespace Wispr.Sidecar.Cleanup;

/// <summary>
/// Finds runs of spoken words that name something in the code's vocabulary and gives its exact spelling:
/// "get user by id" → <c>getUserById</c>, "package dot json" → <c>package.json</c>, "github" → <c>GitHub</c>.
/// Words are compared lower-cased, piece by piece (an identifier's pieces are its camel/snake/kebab/dotted parts), so
/// "by ID", "by id" and a transcript that already says "getUserByID" all match. Longest match wins; a match always starts
/// and ends on a whole transcript word, never inside one. Built once per vocabulary: a trie over pieces, so matching costs
/// O(words × longest entry) whatever the vocabulary's size.
/// </summary>
public sealed class VocabularyMatcher
{
    private readonly Node _root = new();

    public static VocabularyMatcher Empty { get; } = new([], []);

    /// <summary>How many spellings the index holds (for logs and tests).</summary>
    public int Count { get; private set; }

    /// <param name="identifiers">Nearest first: when two identifiers are said the same way, the first wins.</param>
    /// <param name="dictionary">Wins over identifiers said the same way: the user wrote it down.</param>
    public VocabularyMatcher(IEnumerable<string> identifiers, IEnumerable<DictionaryEntry> dictionary)
    {
        foreach (var entry in dictionary)
        {
            if (string.IsNullOrWhiteSpace(entry.Written))
                continue;
            var written = entry.Written.Trim();
            if (!string.IsNullOrWhiteSpace(entry.Spoken))
            {
                Add(SpokenPieces(entry.Spoken), written, priority: 2);
                continue;
            }
            // A bare spelling is said as its words ("git hub", "vs code") or as one word ("github").
            var pieces = SpokenPieces(written);
            Add(pieces, written, priority: 2);
            if (pieces.Count > 1 && !written.Contains(' '))
                Add([string.Concat(pieces.Where(p => p != "dot"))], written, priority: 2);
        }
        foreach (var identifier in identifiers)
        {
            if (string.IsNullOrWhiteSpace(identifier))
                continue;
            var id = identifier.Trim();
            var pieces = IdentifierPieces(id);
            // One plain word ("render", "config") is already spelled right by the recogniser, and replacing it would
            // recase ordinary prose; only names of two or more parts are restored.
            if (pieces.Count >= 2)
                Add(pieces, id, priority: 1);
        }
    }

    private void Add(IReadOnlyList<string> pieces, string written, int priority)
    {
        if (pieces.Count == 0)
            return;
        var node = _root;
        foreach (var piece in pieces)
        {
            node.Next ??= new Dictionary<string, Node>(StringComparer.Ordinal);
            if (!node.Next.TryGetValue(piece, out var next))
                node.Next[piece] = next = new Node();
            node = next;
        }
        if (node.Written is null || priority > node.Priority)
        {
            if (node.Written is null)
                Count++;
            node.Written = written;
            node.Priority = priority;
        }
    }

    /// <summary>
    /// The longest entry whose pieces are exactly the pieces of <paramref name="words"/>[start..start+n) for some n;
    /// returns n (0: none) and the spelling.
    /// </summary>
    public (int Words, string? Written) LongestMatch(IReadOnlyList<IReadOnlyList<string>> words, int start)
    {
        var node = _root;
        int bestWords = 0;
        string? best = null;
        for (int w = start; w < words.Count && node is not null; w++)
        {
            foreach (var piece in words[w])
            {
                if (node.Next is null || !node.Next.TryGetValue(piece, out node))
                {
                    node = null;
                    break;
                }
            }
            if (node?.Written is { } written)
            {
                bestWords = w - start + 1;
                best = written;
            }
        }
        return (bestWords, best);
    }

    /// <summary>
    /// The lower-case pieces of an identifier or written word: camelCase, PascalCase, snake_case, SCREAMING_CASE, kebab-case,
    /// acronyms ("HTTPServer" → http, server), letter/digit boundaries ("base64Encode" → base, 64, encode); a dot is the piece "dot".
    /// </summary>
    public static List<string> IdentifierPieces(string identifier)
    {
        var pieces = new List<string>();
        var current = new StringBuilder();
        void Flush()
        {
            if (current.Length > 0)
                pieces.Add(current.ToString().ToLowerInvariant());
            current.Clear();
        }
        for (int i = 0; i < identifier.Length; i++)
        {
            char c = identifier[i];
            if (c == '.')
            {
                Flush();
                pieces.Add("dot");
                continue;
            }
            if (c == '\'' || c == '’')
                continue; // "don't" is one piece
            if (!char.IsLetterOrDigit(c))
            {
                Flush();
                continue;
            }
            if (current.Length > 0)
            {
                char prev = identifier[i - 1];
                bool boundary =
                    (char.IsLower(prev) && char.IsUpper(c)) ||                                     // userName
                    (char.IsUpper(prev) && char.IsUpper(c) && i + 1 < identifier.Length && char.IsLower(identifier[i + 1])) || // HTTPServer
                    (char.IsDigit(prev) != char.IsDigit(c));                                       // base64Encode
                if (boundary)
                    Flush();
            }
            current.Append(c);
        }
        Flush();
        return pieces;
    }

    /// <summary>Pieces of a spoken phrase ("package dot json", "V S Code"): words split as identifiers are.</summary>
    public static List<string> SpokenPieces(string spoken)
    {
        var pieces = new List<string>();
        foreach (var word in spoken.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            pieces.AddRange(IdentifierPieces(word));
        return pieces;
    }

    private sealed class Node
    {
        public Dictionary<string, Node>? Next;
        public string? Written;
        public int Priority;
    }
}
