using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using NotebookRunner;

// Usage: NotebookRunner [--pack] [--write | --out DIR] NOTEBOOK.ipynb...
//   --pack     first pack src/Nice.MLNet into artifacts/packages with a fresh version (see LocalFeed)
//   --write    write each notebook's outputs back into its .ipynb file
//   --out DIR  write each executed notebook into DIR instead (same file name)
// Several notebooks run one after another, each in a process (and so a kernel) of its own. Exit code 0 when every
// cell of every notebook ran, 1 when a cell failed (the notebook is then not written back), 2 for bad arguments.
var log = Console.Out;
bool pack = false, write = false;
string? outDir = null;
var notebooks = new List<string>();
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--pack": pack = true; break;
        case "--write": write = true; break;
        case "--out" when i + 1 < args.Length: outDir = args[++i]; break;
        case var a when a.EndsWith(".ipynb", StringComparison.OrdinalIgnoreCase) && File.Exists(a):
            notebooks.Add(Path.GetFullPath(a));
            break;
        default:
            Console.Error.WriteLine($"NotebookRunner: '{args[i]}' is neither an option (--pack, --write, --out DIR) "
                + "nor an existing .ipynb file.");
            return 2;
    }
}
if (notebooks.Count == 0 || (write && outDir != null))
{
    Console.Error.WriteLine("Usage: NotebookRunner [--pack] [--write | --out DIR] NOTEBOOK.ipynb...");
    return 2;
}

if (pack) LocalFeed.Pack(log);
if (notebooks.Count > 1) return RunEachInItsOwnProcess();

string notebookPath = notebooks[0];
var watch = Stopwatch.StartNew();
var (notebook, failure) = await NotebookExecution.RunAsync(notebookPath, log);
string target = outDir != null
    ? Path.Combine(Directory.CreateDirectory(outDir).FullName, Path.GetFileName(notebookPath))
    : write && failure == null ? notebookPath
    : "";
if (target.Length > 0) NotebookExecution.Write(notebook, target);
string name = Path.GetFileName(notebookPath);
if (failure != null)
{
    Console.Error.WriteLine($"[{name}] {failure}");
    if (write) Console.Error.WriteLine($"[{name}] not written back: the committed outputs stay as they were.");
    return 1;
}
log.WriteLine($"[{name}] ran in {watch.Elapsed.TotalSeconds:F0}s{(target.Length > 0 ? "; wrote " + target : "")}");
return 0;

int RunEachInItsOwnProcess()
{
    int exit = 0;
    foreach (var path in notebooks)
    {
        var psi = new ProcessStartInfo(Environment.ProcessPath!);
        if (!Environment.ProcessPath!.EndsWith("NotebookRunner", StringComparison.Ordinal)
            && !Environment.ProcessPath.EndsWith("NotebookRunner.exe", StringComparison.Ordinal))
            psi.ArgumentList.Add(typeof(NotebookExecution).Assembly.Location);   // run through the dotnet host
        if (write) psi.ArgumentList.Add("--write");
        if (outDir != null) { psi.ArgumentList.Add("--out"); psi.ArgumentList.Add(outDir); }
        psi.ArgumentList.Add(path);
        using var child = Process.Start(psi)!;
        child.WaitForExit();
        exit = Math.Max(exit, child.ExitCode);
    }
    return exit;
}
