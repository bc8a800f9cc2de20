using System.Text;

namespace Runnel.Protocol.Generator.Emit;

/// <summary>A StringBuilder that tracks indentation and opens/closes braces.</summary>
public sealed class CodeBuilder
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public CodeBuilder Line(string line = "")
    {
        if (line.Length > 0)
            _text.Append(' ', _indent * 4).Append(line);
        _text.Append('\n');
        return this;
    }

    /// <summary>Writes <paramref name="line"/> (if any) and an opening brace, then indents.</summary>
    public CodeBuilder Open(string line)
    {
        if (line.Length > 0)
            Line(line);
        Line("{");
        _indent++;
        return this;
    }

    public CodeBuilder Close(string suffix = "")
    {
        _indent--;
        return Line("}" + suffix);
    }

    public override string ToString() => _text.ToString();
}
