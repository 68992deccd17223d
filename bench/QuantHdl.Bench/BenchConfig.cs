using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace QuantHdl.Bench;

/// <summary>ShortRun job (1 launch, 3 warm-ups, 3 iterations) plus a GFLOP/s column, so the suite finishes in minutes.</summary>
internal static class BenchConfig
{
    public static IConfig Create() => DefaultConfig.Instance
        .AddJob(Job.ShortRun)
        .AddColumn(new GflopsColumn())
        .WithOptions(ConfigOptions.DisableOptimizationsValidator);
}

/// <summary>Benchmarks that know their floating-point operation count.</summary>
internal interface IFlopCounted
{
    double Flops { get; }
}

/// <summary>GFLOP/s = Flops / mean time, for benchmarks implementing <see cref="IFlopCounted"/>.</summary>
internal sealed class GflopsColumn : IColumn
{
    public string Id => "GFLOPs";
    public string ColumnName => "GFLOP/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "Floating-point operations (2·m·n·k) per second, from the mean time";
    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        if (report?.ResultStatistics == null) return "-";
        var instance = Activator.CreateInstance(benchmarkCase.Descriptor.Type) as IFlopCounted;
        if (instance == null) return "-";
        foreach (var p in benchmarkCase.Parameters.Items)
            benchmarkCase.Descriptor.Type.GetProperty(p.Name)?.SetValue(instance, p.Value);
        double seconds = report.ResultStatistics.Mean * 1e-9;
        return (instance.Flops / seconds / 1e9).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
    }
}
