using System.Collections.Generic;
using System.Linq;
using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Events;

namespace NotebookRunner;

/// <summary>
/// The outputs of one cell in Jupyter's terms, built from the kernel's events as a notebook front end shows them:
/// standard output and error as streams (consecutive writes joined), each displayed value as display data with all
/// its formats (<c>text/plain</c>, <c>text/html</c>, <c>image/png</c> as base64, ...), a value updated in place
/// replaced where it was first shown, the cell's return value as an execute result, and a failure as an error.
/// </summary>
internal sealed class CellOutputs
{
    private readonly List<InteractiveDocumentOutputElement> outputs = new();
    private readonly Dictionary<string, int> displayIndex = new();
    private readonly int executionCount;

    public CellOutputs(int executionCount) => this.executionCount = executionCount;

    public IReadOnlyList<InteractiveDocumentOutputElement> Elements => outputs;

    public void Add(KernelEvent e)
    {
        switch (e)
        {
            case StandardOutputValueProduced o: AppendStream("stdout", PlainText(o)); break;
            case StandardErrorValueProduced o: AppendStream("stderr", PlainText(o)); break;
            case ReturnValueProduced r:
                var result = new ReturnValueElement { ExecutionOrder = executionCount };
                foreach (var (mime, value) in Data(r)) result.Data[mime] = value;
                outputs.Add(result);
                break;
            case DisplayedValueUpdated u when u.ValueId is { } id && displayIndex.TryGetValue(id, out int at):
                outputs[at] = new DisplayElement(Data(u));
                break;
            case DisplayedValueProduced d:
                if (d.ValueId is { } valueId) displayIndex[valueId] = outputs.Count;
                outputs.Add(new DisplayElement(Data(d)));
                break;
            case ErrorProduced error:
                outputs.Add(new ErrorElement(error.Message, "Error"));
                break;
            case CommandFailed failed:
                if (!outputs.OfType<ErrorElement>().Any(x => x.ErrorValue == failed.Message))
                    outputs.Add(new ErrorElement(failed.Message, "Error"));
                break;
        }
    }

    private void AppendStream(string name, string text)
    {
        if (outputs.Count > 0 && outputs[^1] is TextElement last && last.Name == name)
            outputs[^1] = new TextElement(last.Text + text, name);
        else
            outputs.Add(new TextElement(text, name));
    }

    private static string PlainText(DisplayEvent e) =>
        e.FormattedValues.FirstOrDefault(v => v.MimeType == "text/plain")?.Value ?? "";

    private static Dictionary<string, object> Data(DisplayEvent e) =>
        e.FormattedValues
            .Where(v => !v.SuppressDisplay)
            .GroupBy(v => v.MimeType)
            .ToDictionary(g => g.Key, g => (object)g.Last().Value);
}
