using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace Nice.MLNet.Tests.Notebooks;

/// <summary>
/// Turns a Polyglot (.NET Interactive) C# notebook into a .NET 10 file-based program, so the tests can compile and run it:
/// <c>#r "nuget: ..."</c> / <c>#i</c> lines become <c>#:project</c> (this repository's library) and <c>#:package</c> (the CPU backend);
/// <c>using</c> directives are hoisted; cells that declare types go last; <c>display</c> and <c>HTML</c> get console stand-ins.
/// Rules for notebook authors: end statements with ';' (no bare trailing expression), and use display(...) to show things.
/// </summary>
internal static class NotebookProgram
{
    public static string Convert(string notebookPath, string libraryProject)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(notebookPath));
        var usings = new SortedSet<string>(StringComparer.Ordinal);
        var statements = new StringBuilder();
        var types = new StringBuilder();
        foreach (var cell in doc.RootElement.GetProperty("cells").EnumerateArray())
        {
            if (cell.GetProperty("cell_type").GetString() != "code") continue;
            var source = cell.GetProperty("source");
            string code = source.ValueKind == JsonValueKind.Array ? string.Concat(source.EnumerateArray().Select(l => l.GetString())) : source.GetString() ?? "";
            var lines = code.Replace("\r\n", "\n").Split('\n')
                .Where(l => !l.TrimStart().StartsWith("#r ", StringComparison.Ordinal) && !l.TrimStart().StartsWith("#i ", StringComparison.Ordinal) && !l.TrimStart().StartsWith("#!", StringComparison.Ordinal))
                .ToList();
            foreach (var u in lines.Where(IsUsingDirective).ToArray())
            {
                usings.Add(u.Trim());
                lines.Remove(u);
            }
            var first = lines.Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith("//", StringComparison.Ordinal)) ?? "";
            bool declaresTypes = new[] { "public sealed class", "public class", "public record", "public sealed record", "sealed class", "class ", "record " }.Any(first.StartsWith);
            (declaresTypes ? types : statements).AppendLine(string.Join('\n', lines));
        }
        string backend = OperatingSystem.IsWindows() ? "libtorch-cpu-win-x64" : OperatingSystem.IsMacOS() ? "libtorch-cpu-osx-arm64" : "libtorch-cpu-linux-x64";
        var program = new StringBuilder();
        program.AppendLine($"#:project {libraryProject}");
        program.AppendLine($"#:package {backend}@2.10.0");
        program.AppendLine("#:property NoWarn=NU1603;CS8321;CS0649");
        program.AppendLine("#:property Nullable=disable");
        program.AppendLine("#:property PublishAot=false");
        foreach (var u in usings) program.AppendLine(u);
        program.AppendLine(statements.ToString());
        program.AppendLine("System.Console.WriteLine(\"NOTEBOOK DONE\");");
        program.AppendLine("static void display(object o) => System.Console.WriteLine(o is string s && s.StartsWith(\"<img\") ? $\"[image, {s.Length} characters of HTML]\" : o);");
        program.AppendLine("static string HTML(string s) => s;");
        program.AppendLine(types.ToString());
        return program.ToString();
    }

    private static bool IsUsingDirective(string line)
    {
        var t = line.Trim();
        return t.StartsWith("using ", StringComparison.Ordinal) && t.EndsWith(';') && !t.Contains('(') && !t.StartsWith("using var ", StringComparison.Ordinal);
    }
}
