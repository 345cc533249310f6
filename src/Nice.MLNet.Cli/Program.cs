using System;
using System.Linq;
using Nice.MLNet.Cli;

var commands = typeof(ICommand).Assembly.GetTypes()
    .Where(t => typeof(ICommand).IsAssignableFrom(t) && !t.IsAbstract && !t.IsInterface)
    .Select(t => (ICommand)Activator.CreateInstance(t)!)
    .OrderBy(c => c.Name, StringComparer.Ordinal)
    .ToDictionary(c => c.Name);

string name = args.Length > 0 ? args[0] : "help";
if (name is "help" or "--help" or "-h" || !commands.TryGetValue(name, out var command))
{
    if (name is not ("help" or "--help" or "-h")) Console.Error.WriteLine($"Unknown command '{name}'.");
    Console.WriteLine("usage: ./run.sh COMMAND [--option value ...]\n\ncommands:");
    Console.WriteLine("  test                 the test suite");
    foreach (var c in commands.Values) Console.WriteLine($"  {c.Name,-20} {c.Summary}");
    return name is "help" or "--help" or "-h" ? 0 : 2;
}
try
{
    var options = new Args(args.Skip(1).ToArray());
    return command.Run(options);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"{name}: {e.Message}");
    return 2;
}
