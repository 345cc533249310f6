using System.Runtime.CompilerServices;

// The command-line tool (assembly "nice") benchmarks and drives the engine directly.
[assembly: InternalsVisibleTo("nice")]
