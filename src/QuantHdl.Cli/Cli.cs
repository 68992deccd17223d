using System.CommandLine;
using QuantHdl.Artifacts;
using QuantHdl.Engine.Data;
using QuantHdl.Flows;
using QuantHdl.Golden;
using QuantHdl.Compiler.Ir;
using QuantHdl.Models;
using QuantHdl.Quantization;
using QuantHdl.Verification.Verilator;
using QuantHdl.Arithmetic;
using QuantHdl.Hardware.Estimates;
using QuantHdl.Hardware.FoldSearch;

namespace QuantHdl.Cli;

/// <summary>The quanthdl command line: one subcommand per stage, each writing one artifact.</summary>
internal static class Cli
{
    public static int Run(string[] args)
    {
        InterruptHandler.Install();
        var root = new RootCommand(
            "QuantHdl: quantization-aware training to bit-exact, Verilator-verified FPGA RTL.\n" +
            "Stages: train -> qat -> compile (ir.json; then emit: RTL, vectors) -> simulate (golden, integer-only) -> verify (Verilator) -> estimate, synth -> report.\n" +
            "'quanthdl demo' runs them all on Fashion-MNIST.");
        root.Subcommands.Add(TrainCommand());
        root.Subcommands.Add(QatCommand());
        root.Subcommands.Add(CompileCommand());
        root.Subcommands.Add(EmitCommand());
        root.Subcommands.Add(SimulateCommand());
        root.Subcommands.Add(VerifyCommand());
        root.Subcommands.Add(DemoCommand());
        root.Subcommands.Add(FuzzCommand());
        root.Subcommands.Add(PtqCommand());
        root.Subcommands.Add(ExperimentsCommand());
        root.Subcommands.Add(EstimateCommand());
        root.Subcommands.Add(SynthCommand());
        root.Subcommands.Add(StudyCommand());
        root.Subcommands.Add(ReportCommand());
        return root.Parse(args).Invoke();
    }

    // Shared options ---------------------------------------------------------------------------

    private static Option<int> Seed() => new("--seed") { Description = "Random seed; the same seed and data give the same model bit for bit", DefaultValueFactory = _ => 0 };
    private static Option<int> BatchSize() => new("--batch-size") { Description = "Mini-batch size", DefaultValueFactory = _ => 64 };
    private static Option<bool> Force() => new("--force") { Description = "Replace --out when it holds output of the same kind that QuantHdl wrote (never the input, '.', or the home directory)" };
    private static Option<string> Data() => new("--data") { Description = "Directory with IDX files (train-images-idx3-ubyte[.gz] etc.), e.g. MNIST", DefaultValueFactory = _ => IdxDataset.DefaultDataDir };

    /// <summary>Runs a command body, turning expected failures into a one-line error and exit code 1.</summary>
    internal static int Guard(Func<int> body)
    {
        try
        {
            int code = body();
            if (CleanupRegistry.Interrupted) InterruptHandler.Park();
            return code;
        }
        catch (Exception) when (CleanupRegistry.Interrupted)
        {
            // The interrupt deleted what this command was writing; its handler reports and exits.
            InterruptHandler.Park();
            return 130;
        }
        catch (Exception e) when (e is ArgumentException or IrException or ArithmeticLimitException or CheckpointException or DatasetException
                                      or IntegerOverflowException or VerificationException or ToolNotFoundException or IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static Option<string> Target() => new("--target") { Description = "FPGA family: xc7 (Xilinx 7-series) or ice40 (Lattice iCE40)", DefaultValueFactory = _ => "xc7" };

    private static Command EstimateCommand()
    {
        var build = new Option<string>("--build") { Description = "Build directory holding ir.json", Required = true };
        var target = Target();
        var cmd = new Command("estimate", "Analytic per-layer LUT, FF, DSP, BRAM, cycles and latency of a build's ir.json, without synthesis (docs/estimation.md)") { build, target };
        cmd.SetAction(p => Guard(() =>
        {
            var g = IrJson.Load(Path.Combine(p.GetValue(build)!, CompileFlow.IrFile));
            var e = ResourceEstimator.Of(g, FpgaFamilies.Parse(p.GetValue(target)!));
            Console.WriteLine($"{"node",-10} {"LUT",7} {"FF",7} {"DSP",4} {"BRAM",5} {"cycles",8} {"latency",8}");
            foreach (var (node, x) in e.Nodes)
                Console.WriteLine($"{node,-10} {x.Lut,7} {x.Ff,7} {x.Dsp,4} {x.Bram,5} {x.Cycles,8} {x.Latency,8}");
            Console.WriteLine($"{"total",-10} {e.Lut,7} {e.Ff,7} {e.Dsp,4} {e.Bram,5} {e.InitiationInterval,8} {e.Latency,8}  (II set by {e.Bottleneck})");
            return 0;
        }));
        return cmd;
    }

    private static Command SynthCommand()
    {
        var build = new Option<string>("--build") { Description = "Build directory written by compile (ir.json, rtl/)", Required = true };
        var target = Target();
        var device = new Option<string?>("--device") { Description = "iCE40 device for nextpnr Fmax: hx8k (default for ice40) or up5k; not for xc7" };
        var limit = new Option<int>("--whole-limit") { Description = "Seconds the whole-design synthesis may take; past it the whole design is skipped and the layers still reported", DefaultValueFactory = _ => 300 };
        var jobs = new Option<int>("--jobs") { Description = "Layers synthesized in parallel", DefaultValueFactory = _ => 1 };
        var cmd = new Command("synth", "Synthesize every layer out of context with Yosys (stat -json), and for ice40 place and route a registered wrapper with nextpnr for Fmax; then the whole design within --whole-limit. Cached by RTL hash in BUILD/synth-cache; writes BUILD/synth.json") { build, target, device, limit, jobs };
        cmd.SetAction(p => Guard(() =>
        {
            var family = FpgaFamilies.Parse(p.GetValue(target)!);
            var dev = p.GetValue(device) ?? (family == FpgaFamily.Ice40 ? "hx8k" : null);
            SynthFlow.Run(p.GetValue(build)!, new SynthOptions(family, dev, TimeSpan.FromSeconds(p.GetValue(limit)), p.GetValue(jobs)), new SpectreReporter());
            return 0;
        }));
        return cmd;
    }

    private static Command StudyCommand()
    {
        var output = new Option<string>("--out") { Description = "Study folder to write (multipliers.json, multipliers.md); must be new unless --force", DefaultValueFactory = _ => "runs/study-multipliers" };
        var cache = new Option<string>("--cache") { Description = "Synthesis cache shared between runs (keyed by the RTL and tool versions), so a rerun starts no tool", DefaultValueFactory = _ => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "quanthdl", "synth") };
        var jobs = new Option<int>("--jobs") { Description = "Syntheses run in parallel", DefaultValueFactory = _ => 1 };
        var doc = new Option<string?>("--doc") { Description = "Also replace the generated section of this Markdown file (e.g. docs/multipliers.md) with the table; the file must hold the study's begin/end markers" };
        var force = Force();
        var multipliers = new Command("multipliers", "LUTs of one MAC lane (term + its share of the adder tree, shared lane logic and accumulator) for uniform, POT and POST weights at W4A4, W4A8, W8A8 and W2A8, from Yosys xc7 -nodsp and iCE40, by synthesizing hdl/mac_array.v (docs/multipliers.md)") { output, cache, jobs, doc, force };
        multipliers.SetAction(p => Guard(() =>
        {
            StudyFlow.Run(new StudyOptions(p.GetValue(output)!, p.GetValue(cache)!, Verification.Synthesis.MultiplierStudy.DefaultCases, p.GetValue(jobs), p.GetValue(doc), p.GetValue(force)), new SpectreReporter());
            return 0;
        }));
        return new Command("study", "Hardware cost studies that answer design questions with synthesis") { multipliers };
    }

    private static Command ReportCommand()
    {
        var build = new Option<string>("--build") { Description = "Build directory holding ir.json (and, where the stages ran, synth.json, simulate.json, verify.json, folding.json)", Required = true };
        var target = new Option<string?>("--target") { Description = "FPGA family of the estimate: xc7 or ice40 (default: synth.json's, else folding.json's, else xc7)" };
        var fmax = new Option<double?>("--fmax") { Description = $"Clock in MHz for throughput and latency (default: nextpnr's Fmax from synth.json, else {QuantHdl.Reports.DesignReport.DefaultFmaxMhz:0})" };
        var shot = new Option<string?>("--screenshot") { Description = "Also render report.html with headless Chromium into this new PNG file (e.g. docs/report.png)" };
        var study = new Option<string?>("--study") { Description = "Also show the multiplier study of this folder (written by 'quanthdl study multipliers --out DIR')" };
        var cmd = new Command("report", "Write report.html (self-contained, inline SVG charts), report.md and report.json into the build: estimate against synthesis, latency and throughput, the folding trade-off, accuracy and bit-exactness (docs/report.md)") { build, target, fmax, shot, study };
        cmd.SetAction(p => Guard(() =>
        {
            var family = p.GetValue(target) is string t ? FpgaFamilies.Parse(t) : (FpgaFamily?)null;
            ReportFlow.Run(p.GetValue(build)!, new ReportOptions(family, p.GetValue(fmax), p.GetValue(shot), p.GetValue(study)), new SpectreReporter());
            return 0;
        }));
        return cmd;
    }

    private static Command TrainCommand()
    {
        var model = new Option<string>("--model") { Description = "Architecture: mlp:IN-H1-...-CLASSES (e.g. mlp:784-64-32-10), lenet5, resnet8, cnn:SPEC (e.g. cnn:c6k5-relu-mp2-c16k5-relu-mp2-fc10; tokens in docs/models.md), or PATH.json, a graph of named layers (format in docs/models.md, e.g. examples/resnet-2x2.json; its content is stored in the checkpoint)", DefaultValueFactory = _ => "mlp:784-64-32-10" };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs", DefaultValueFactory = _ => 3 };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate", DefaultValueFactory = _ => 1e-3 };
        var output = new Option<string>("--out") { Description = "Checkpoint directory to write; must be new or empty unless --force", Required = true };
        var seed = Seed(); var batch = BatchSize(); var data = Data(); var force = Force();
        var cmd = new Command("train", "Train a full-precision model with Adam and write a checkpoint") { model, epochs, lr, output, seed, batch, data, force };
        cmd.SetAction(p => Guard(() =>
        {
            // The spec is checked against the data set's sample shape inside the stage, before training.
            TrainFlow.TrainFloat(p.GetValue(model)!, new TrainOptions(p.GetValue(epochs), p.GetValue(seed), p.GetValue(batch), p.GetValue(lr), p.GetValue(data)!), p.GetValue(output)!, new SpectreReporter(), p.GetValue(force));
            return 0;
        }));
        return cmd;
    }

    private static Command QatCommand()
    {
        var from = new Option<string>("--from") { Description = "Float checkpoint from 'quanthdl train', or a PTQ checkpoint from 'quanthdl ptq' to train from its ranges", Required = true };
        var weights = new Option<string>("--weights") { Description = $"Weight code: post:B (power of sqrt 2), pot:B (power of two) or uniform:B (LSQ); B = {WeightSpec.MinBits(WeightCode.Post)}..{WeightSpec.MaxBits(WeightCode.Post)}, {WeightSpec.MinBits(WeightCode.Pot)}..{WeightSpec.MaxBits(WeightCode.Pot)} or {WeightSpec.MinBits(WeightCode.Uniform)}..{WeightSpec.MaxBits(WeightCode.Uniform)} (wider codes cannot fit a 64-bit requant product)", DefaultValueFactory = _ => "post:4" };
        var acts = new Option<string>("--acts") { Description = "Activation quantizer: uniform:B (LSQ, unsigned) or asq:B (ASQ: LSQ's step times a per-sample adapter output, deployed static; docs/asq.md); B = 1..16", DefaultValueFactory = _ => "uniform:4" };
        var asqCalib = new Option<int>("--asq-calib") { Description = $"ASQ only: training images whose mean beta becomes each layer's static beta, 1..{AsqCalibration.MaxImages}", DefaultValueFactory = _ => AsqCalibration.DefaultImages };
        var epochs = new Option<int>("--epochs") { Description = "QAT epochs (cosine schedule)", DefaultValueFactory = _ => 2 };
        var lr = new Option<double>("--lr") { Description = "Adam base learning rate", DefaultValueFactory = _ => 5e-4 };
        var output = new Option<string>("--out") { Description = "QAT checkpoint directory to write; must be new or empty unless --force", Required = true };
        var scaleLr = new Option<double>("--scale-lr-factor") { Description = "Learning rate of the quantizer steps/alphas relative to the weights'", DefaultValueFactory = _ => 1.0 };
        var fracBits = new Option<int>("--sqrt-frac-bits") { Description = $"Fraction bits F of the POST x/sqrt2 table, {DeploymentSettings.SqrtFracBitsRange} (docs/integer-semantics.md §3): the biases train on F's accumulator grid, and compile builds the hardware with the same F", DefaultValueFactory = _ => DeploymentSettings.DefaultSqrtFracBits };
        var multBits = new Option<int>("--multiplier-bits") { Description = $"Width MB of the requantization multiplier, {DeploymentSettings.MultiplierBitsRange} (docs/integer-semantics.md §4); saved for compile", DefaultValueFactory = _ => DeploymentSettings.DefaultMultiplierBits };
        var seed = Seed(); var batch = BatchSize(); var data = Data(); var force = Force();
        var bw = BwrfOptionSet.Create();
        var cmd = new Command("qat", "Quantization-aware training from a float or PTQ checkpoint (LSQ or ASQ activations; POST, POT or uniform weights); --bwrf trains by block-wise replacement with the frozen float model (docs/bwrf.md)") { from, weights, acts, asqCalib, epochs, lr, scaleLr, fracBits, multBits, output, seed, batch, data, force };
        bw.AddTo(cmd);
        cmd.SetAction(p => Guard(() =>
        {
            var w = WeightSpec.Parse(p.GetValue(weights)!);
            var a = ActivationSpec.Parse(p.GetValue(acts)!);
            var o = new TrainOptions(p.GetValue(epochs), p.GetValue(seed), p.GetValue(batch), p.GetValue(lr), p.GetValue(data)!) { ScaleLrFactor = p.GetValue(scaleLr), AsqCalibrationImages = p.GetValue(asqCalib) };
            var deploy = new DeploymentSettings(p.GetValue(fracBits), p.GetValue(multBits)).Check();
            TrainFlow.Qat(p.GetValue(from)!, w, a, o, p.GetValue(output)!, new SpectreReporter(), p.GetValue(force), deploy, bw.Get(p));
            return 0;
        }));
        return cmd;
    }

    private static Command CompileCommand()
    {
        var from = new Option<string>("--from") { Description = "QAT checkpoint from 'quanthdl qat'", Required = true };
        var output = new Option<string>("--out") { Description = "Build directory to write: ir.json, rtl/, vectors/; must be new or empty unless --force", Required = true };
        var fold = new Option<string?>("--fold") { Description = "Override folding per layer, e.g. fc1=16x4,fc2=8x2 (SIMD must divide In, PE must divide Out)" };
        var maxMacs = new Option<int>("--max-macs") { Description = "Automatic folding: MACs per cycle for the largest layer; smaller layers get just enough to keep pace", DefaultValueFactory = _ => 64 };
        var vectors = new Option<int>("--vectors") { Description = "Test images written as verification vectors", DefaultValueFactory = _ => 200 };
        // F and MB come from the QAT checkpoint; these only let a script assert them.
        var fracBits = new Option<int?>("--sqrt-frac-bits") { Description = "Refuse to compile unless the checkpoint was trained with this F (set it with 'quanthdl qat --sqrt-frac-bits')" };
        var multBits = new Option<int?>("--multiplier-bits") { Description = "Refuse to compile unless the checkpoint was trained with this MB (set it with 'quanthdl qat --multiplier-bits')" };
        var noEmit = new Option<bool>("--no-emit") { Description = "Write ir.json only; 'quanthdl emit' writes the RTL and vectors later" };
        var fps = new Option<double?>("--target-fps") { Description = "Folding optimizer: the cheapest folding (estimated LUTs) running at least this many frames per second at --fmax (docs/estimation.md)" };
        var fmax = new Option<double?>("--fmax") { Description = "Clock in MHz that --target-fps is met at" };
        var budget = new Option<long?>("--lut-budget") { Description = "Folding optimizer: the fastest folding whose estimated LUTs fit this budget" };
        var target = Target();
        target.Description = "FPGA family whose estimated LUTs the folding optimizer and folding.json count: xc7 or ice40";
        var data = Data(); var force = Force();
        var cmd = new Command("compile", "Freeze a QAT checkpoint to an integer IR (ir.json), lower it, and (unless --no-emit) emit RTL and test vectors; folding.json holds the folding trade-off curve") { from, output, fold, maxMacs, fps, fmax, budget, target, vectors, fracBits, multBits, noEmit, data, force };
        cmd.SetAction(p => Guard(() =>
        {
            var o = new CompileOptions
            {
                Goal = FoldingGoalOf(p.GetValue(fps), p.GetValue(fmax), p.GetValue(budget), p.GetResult(maxMacs) is { Implicit: false }),
                Family = FpgaFamilies.Parse(p.GetValue(target)!),
                MaxMacsPerCycle = p.GetValue(maxMacs),
                Folds = CompileOptions.ParseFolds(p.GetValue(fold)),
                Vectors = p.GetValue(vectors),
                SqrtFracBits = p.GetValue(fracBits),
                MultiplierBits = p.GetValue(multBits),
                DataDir = p.GetValue(data)!,
            };
            CompileFlow.Compile(p.GetValue(from)!, p.GetValue(output)!, o, new SpectreReporter(), p.GetValue(noEmit) ? null : EmitFlow.Write, p.GetValue(force));
            return 0;
        }));
        return cmd;
    }

    /// <summary>The folding optimizer's goal from compile's options, or null for the --max-macs heuristic.</summary>
    private static FoldingGoal? FoldingGoalOf(double? fps, double? fmax, long? budget, bool maxMacsGiven)
    {
        if (fps is not null && budget is not null) throw new ArgumentException("--target-fps and --lut-budget contradict each other; give one");
        if ((fps is not null || budget is not null) && maxMacsGiven) throw new ArgumentException("--max-macs is the default heuristic's budget; it does not combine with --target-fps or --lut-budget");
        if (fps is not null && fmax is null) throw new ArgumentException("--target-fps needs --fmax MHZ, the clock the frame rate is met at");
        if (fps is null && fmax is not null) throw new ArgumentException("--fmax is the clock of --target-fps; give --target-fps too");
        return fps is double f ? FoldingGoal.Fps(f, fmax!.Value) : budget is long b ? FoldingGoal.Budget(b) : null;
    }

    private static Command EmitCommand()
    {
        var build = new Option<string>("--build") { Description = "Build directory from 'quanthdl compile' (its ir.json and dataset.json are read)", Required = true };
        var vectors = new Option<int>("--vectors") { Description = "Test images written as verification vectors", DefaultValueFactory = _ => 200 };
        var cmd = new Command("emit", "Write the RTL (rtl/, sim/, design.json) and test vectors of a build from its ir.json alone; the same ir.json gives the same bytes") { build, vectors };
        cmd.SetAction(p => Guard(() =>
        {
            EmitFlow.Emit(p.GetValue(build)!, p.GetValue(vectors), new SpectreReporter());
            return 0;
        }));
        return cmd;
    }

    private static Command SimulateCommand()
    {
        var build = new Option<string>("--build") { Description = "Build directory from 'quanthdl compile'", Required = true };
        var limit = new Option<int>("--limit") { Description = "Simulate at most this many test images", DefaultValueFactory = _ => 10000 };
        var data = new Option<string?>("--data") { Description = "Directory with IDX files; default: the data set the build was compiled with (BUILD/dataset.json)" };
        var cmd = new Command("simulate", "Run ir.json in the integer-only golden simulator on the test set; compare with the fake-quant model") { build, limit, data };
        cmd.SetAction(p => Guard(() =>
        {
            var rep = SimulateFlow.Simulate(p.GetValue(build)!, p.GetValue(data), p.GetValue(limit), new SpectreReporter());
            return 0;
        }));
        return cmd;
    }

    private static Command VerifyCommand()
    {
        var build = new Option<string>("--build") { Description = "Build directory from 'quanthdl compile'", Required = true };
        var samples = new Option<int>("--samples") { Description = "Test vectors to stream through the RTL (at most what compile wrote)", DefaultValueFactory = _ => 100 };
        var trace = new Option<bool>("--trace") { Description = "Write an FST waveform of the no-stall run to verify/trace.fst" };
        var stallSeed = new Option<ulong>("--stall-seed") { Description = "Seed of the random valid/ready stalls", DefaultValueFactory = _ => 1UL };
        var stallProb = new Option<double>("--stall-prob") { Description = "Probability of an input or output stall per cycle in the stall run", DefaultValueFactory = _ => 0.3 };
        var cmd = new Command("verify", "Build the RTL with Verilator, stream test vectors with and without random stalls, and compare every output integer of every layer with the golden simulator. Exits 0 only if all match.")
            { build, samples, trace, stallSeed, stallProb };
        cmd.SetAction(p => Guard(() =>
        {
            double prob = p.GetValue(stallProb);
            if (!(prob >= 0 && prob < 1)) throw new ArgumentException($"--stall-prob {prob} must be in [0, 1)");
            var o = new VerifyOptions { Trace = p.GetValue(trace), StallSeed = p.GetValue(stallSeed), InStall = prob, OutStall = prob };
            var report = VerifyFlow.Verify(p.GetValue(build)!, p.GetValue(samples), o, new SpectreReporter());
            report.EnsurePassed();
            return 0;
        }));
        return cmd;
    }

    private static Command FuzzCommand()
    {
        var seed = new Option<ulong>("--seed") { Description = "Run seed: network i of a run is case CaseSeed(seed, i)", DefaultValueFactory = _ => 1UL };
        var count = new Option<int>("--count") { Description = "Networks to generate and check", DefaultValueFactory = _ => 20 };
        var caseSeed = new Option<ulong?>("--case") { Description = "Run only this case seed (printed with every failure)" };
        var output = new Option<string?>("--out") { Description = "Work folder to create and keep (default: a temporary folder, removed)" };
        var keep = new Option<string?>("--keep-failures") { Description = "Folder for failing cases: <case>/ir.json, inputs.txt, failure.txt and minimized/" };
        var noMin = new Option<bool>("--no-minimize") { Description = "Do not shrink failing cases" };
        var jobs = new Option<int>("--jobs") { Description = "Networks built and run at the same time", DefaultValueFactory = _ => 1 };
        var cmd = new Command("fuzz", "Differential fuzzing: random small networks through the golden simulator and Verilator under random stalls. Exits 0 only if every network matches.")
            { seed, count, caseSeed, output, keep, noMin, jobs };
        cmd.SetAction(p => Guard(() =>
        {
            var summary = FuzzFlow.Run(p.GetValue(seed), p.GetValue(count), p.GetValue(caseSeed), p.GetValue(output), p.GetValue(keep), !p.GetValue(noMin), p.GetValue(jobs), new SpectreReporter());
            return summary.Passed ? 0 : 1;
        }));
        return cmd;
    }

    private static Command DemoCommand()
    {
        var output = new Option<string>("--out") { Description = "Directory for the demo's checkpoints and build; a rerun replaces the fp/, qat/ and build/ it wrote, and refuses a folder holding anything else", DefaultValueFactory = _ => "runs/demo" };
        var model = new Option<string>("--model") { Description = "Architecture", DefaultValueFactory = _ => "mlp:784-64-32-10" };
        var weights = new Option<string>("--weights") { Description = "Weight code", DefaultValueFactory = _ => "post:4" };
        var acts = new Option<string>("--acts") { Description = "Activation quantizer", DefaultValueFactory = _ => "uniform:4" };
        var epochs = new Option<int>("--epochs") { Description = "Float training epochs", DefaultValueFactory = _ => 3 };
        var qatEpochs = new Option<int>("--qat-epochs") { Description = "QAT epochs", DefaultValueFactory = _ => 2 };
        var samples = new Option<int>("--samples") { Description = "Test images verified on the RTL", DefaultValueFactory = _ => 200 };
        var seed = Seed(); var data = Data();
        var cmd = new Command("demo", "Train a float MLP, run POST W4A4 QAT, compile to ir.json + RTL, simulate the integer model on the test set and verify the RTL bit-exactly with Verilator")
            { output, model, weights, acts, epochs, qatEpochs, samples, seed, data };
        cmd.SetAction(p => Guard(() =>
        {
            var r = new SpectreReporter();
            string root = p.GetValue(output)!, dataDir = p.GetValue(data)!;
            var spec = MlpSpec.Parse(p.GetValue(model)!);
            var w = WeightSpec.Parse(p.GetValue(weights)!);
            var a = ActivationSpec.Parse(p.GetValue(acts)!);
            int n = p.GetValue(samples);
            var o = new TrainOptions(p.GetValue(epochs), p.GetValue(seed), DataDir: dataDir);
            var (fp, qat, build) = DemoFolder.Prepare(root, dataDir);
            r.Info($"== 1/5 train {spec} ({o.Epochs} epochs) -> {fp}");
            var fpInfo = TrainFlow.TrainFloat(spec, o, fp, r, force: true);
            r.Info($"== 2/5 qat weights {w} acts {a} ({p.GetValue(qatEpochs)} epochs) -> {qat}");
            var qInfo = TrainFlow.Qat(fp, w, a, o with { Epochs = p.GetValue(qatEpochs), Lr = 5e-4 }, qat, r, force: true);
            r.Info($"== 3/5 compile -> {build}");
            CompileFlow.Compile(qat, build, new CompileOptions { DataDir = dataDir, Vectors = Math.Max(n, 1) }, r, EmitFlow.Write, force: true);
            r.Info("== 4/5 simulate (golden, integer only, full test set)");
            var sim = SimulateFlow.Simulate(build, dataDir, 10000, r);
            r.Info($"== 5/5 verify {n} samples with Verilator");
            var ver = VerifyFlow.Verify(build, n, new VerifyOptions(), r);
            r.Info("");
            r.Info($"float accuracy        {fpInfo.TestAccuracy:P2}");
            r.Info($"fake-quant accuracy   {qInfo.TestAccuracy:P2} ({w} weights, {a} activations)");
            r.Info($"integer accuracy      {sim.IntegerAccuracy:P2} (golden simulator, {sim.Samples} images; identical predictions {sim.IdenticalShare:P2})");
            r.Info($"RTL bit-exact         {ver.NoStall.BitExact}/{ver.NoStall.Samples} without stalls, {ver.Stall?.BitExact}/{ver.Stall?.Samples} with random stalls");
            r.Info($"latency / II          {ver.LatencyCycles} / {ver.InitiationIntervalCycles:F0} cycles");
            r.Info($"artifacts             {Path.GetFullPath(build)}: ir.json, rtl/, verify.json");
            // The report also shows a failed verification, so it is written before the exit code is decided.
            var html = ReportFlow.Run(build, new ReportOptions(), new SilentReporter());
            r.Info($"report                {html}");
            ver.EnsurePassed();
            return 0;
        }));
        return cmd;
    }

    /// <summary>qat's --bwrf and its settings (docs/bwrf.md); a setting without --bwrf is an error.</summary>
    private sealed record BwrfOptionSet(Option<bool> On, Option<double?> Temperature, Option<double?> CeWeight, Option<double?> KlWeight, Option<double?> QKlWeight, Option<string?> Blocks)
    {
        public static BwrfOptionSet Create()
        {
            var d = new BwrfOptions();
            return new(
                new Option<bool>("--bwrf") { Description = "Block-wise replacement: train with the frozen float model of --from as partner; loss CE(Q) + sum_i [CE(M_i) + KL(F||M_i)] over the mixed paths M_i (docs/bwrf.md)" },
                new Option<double?>("--bwrf-temperature") { Description = $"Softmax temperature T of the KL terms (default {d.Temperature})" },
                new Option<double?>("--bwrf-ce-weight") { Description = $"Weight of each CE(M_i) (default {d.CeWeight})" },
                new Option<double?>("--bwrf-kl-weight") { Description = $"Weight of each KL(F||M_i) (default {d.KlWeight})" },
                new Option<double?>("--bwrf-q-kl-weight") { Description = $"Weight of the optional KL(F||Q) (default {d.QKlWeight}: off)" },
                new Option<string?>("--bwrf-blocks") { Description = "Nodes that end a block, e.g. relu1,relu2 (default: each conv/dense layer with its ReLU and pools for chains, the stages sS of a ResNet)" });
        }

        public void AddTo(Command cmd)
        {
            foreach (var o in new Option[] { On, Temperature, CeWeight, KlWeight, QKlWeight, Blocks }) cmd.Options.Add(o);
        }

        public BwrfOptions? Get(ParseResult p)
        {
            var set = new (string Name, bool Given)[]
            {
                (Temperature.Name, p.GetValue(Temperature) is not null), (CeWeight.Name, p.GetValue(CeWeight) is not null),
                (KlWeight.Name, p.GetValue(KlWeight) is not null), (QKlWeight.Name, p.GetValue(QKlWeight) is not null), (Blocks.Name, p.GetValue(Blocks) is not null),
            };
            if (!p.GetValue(On))
            {
                if (set.FirstOrDefault(s => s.Given) is { Name: { } name }) throw new ArgumentException($"{name} is a setting of --bwrf; add --bwrf");
                return null;
            }
            var d = new BwrfOptions();
            return new BwrfOptions
            {
                Temperature = p.GetValue(Temperature) ?? d.Temperature,
                CeWeight = p.GetValue(CeWeight) ?? d.CeWeight,
                KlWeight = p.GetValue(KlWeight) ?? d.KlWeight,
                QKlWeight = p.GetValue(QKlWeight) ?? d.QKlWeight,
                Blocks = BwrfOptions.ParseBlocks(p.GetValue(Blocks)),
            }.Check();
        }
    }

    // Post-training quantization (docs/ptq.md) and the experiments table (docs/results.md) ------------

    /// <summary>An on/off flag pair, --NAME and --no-NAME; giving both is an error.</summary>
    private sealed record Switch(Option<bool> On, Option<bool> Off, bool Default)
    {
        public static Switch Of(string name, string what, bool def) =>
            new(new Option<bool>("--" + name) { Description = what + (def ? " (default)" : "") },
                new Option<bool>("--no-" + name) { Description = $"Turn off --{name}" + (def ? "" : " (default)") }, def);

        public bool Get(ParseResult p)
        {
            bool on = p.GetValue(On), off = p.GetValue(Off);
            if (on && off) throw new ArgumentException($"{On.Name} and {Off.Name} contradict each other");
            return on || (!off && Default);
        }
    }

    private static Command PtqCommand()
    {
        var from = new Option<string>("--from") { Description = "Float checkpoint from 'quanthdl train'", Required = true };
        var output = new Option<string>("--out") { Description = "Checkpoint directory to write (compile, simulate, verify and qat --from take it); must be new or empty unless --force", Required = true };
        var weights = new Option<string>("--weights") { Description = $"Weight code: uniform:B, pot:B or post:B, B = {Ptq.PtqOptions.MinBits}..{Ptq.PtqOptions.MaxBits} within the code's own limit; symmetric, signed", DefaultValueFactory = _ => "uniform:8" };
        var acts = new Option<string>("--acts") { Description = $"Activation code: uniform:B, unsigned, B = {Ptq.PtqOptions.MinBits}..{Ptq.PtqOptions.MaxBits}", DefaultValueFactory = _ => "uniform:8" };
        var calib = new Option<int>("--calib") { Description = "Calibration samples: the first N training images of --data, labels unused", DefaultValueFactory = _ => 1024 };
        var weightRange = new Option<string>("--weight-range") { Description = "Weight clipping range: mse (least squared error), minmax, or percentile", DefaultValueFactory = _ => "mse" };
        var actRange = new Option<string>("--act-range") { Description = "Activation clipping range from the calibration set: mse, minmax or percentile (the logits always use the cross-entropy criterion)", DefaultValueFactory = _ => "mse" };
        var percentile = new Option<double>("--percentile") { Description = "The percentile of |value| that 'percentile' ranges clip at", DefaultValueFactory = _ => 99.99 };
        var iters = new Option<int>("--adaround-iters") { Description = "AdaRound Adam iterations per layer (the paper uses 10000)", DefaultValueFactory = _ => Ptq.AdaRoundSettings.DefaultIterations };
        var cle = Switch.Of("cle", "Cross-layer equalization of ReLU-joined layer pairs", true);
        var absorb = Switch.Of("bias-absorption", "Bias absorption after equalization", true);
        var adaround = Switch.Of("adaround", "AdaRound: learn each weight's rounding layer by layer", true);
        var correct = Switch.Of("bias-correction", "Bias correction of each layer's expected output shift", false);
        var perChannel = Switch.Of("per-channel", "One weight scale per output channel; off, one per layer", true);
        var seed = Seed(); var data = Data(); var force = Force();
        var cmd = new Command("ptq", "Post-training quantization of a float checkpoint (white paper pipeline: BN folding, CLE, bias absorption, MSE ranges, AdaRound or bias correction); no labels, no training")
            { from, output, weights, acts, calib, weightRange, actRange, percentile, iters, cle.On, cle.Off, absorb.On, absorb.Off, adaround.On, adaround.Off, correct.On, correct.Off, perChannel.On, perChannel.Off, seed, data, force };
        cmd.SetAction(p => Guard(() =>
        {
            var o = new Ptq.PtqOptions(WeightSpec.Parse(p.GetValue(weights)!), ActivationSpec.Parse(p.GetValue(acts)!))
            {
                Cle = cle.Get(p),
                BiasAbsorption = absorb.Get(p),
                AdaRound = adaround.Get(p),
                BiasCorrection = correct.Get(p),
                PerChannel = perChannel.Get(p),
                WeightRange = Ptq.PtqOptions.ParseRange(p.GetValue(weightRange)!, "--weight-range"),
                ActivationRange = Ptq.PtqOptions.ParseRange(p.GetValue(actRange)!, "--act-range"),
                Percentile = p.GetValue(percentile),
                Calibration = p.GetValue(calib),
                AdaRoundIterations = p.GetValue(iters),
                Seed = p.GetValue(seed),
            };
            PtqFlow.Run(p.GetValue(from)!, o, p.GetValue(output)!, p.GetValue(data)!, new SpectreReporter(), p.GetValue(force));
            return 0;
        }));
        return cmd;
    }

    private static Command ExperimentsCommand()
    {
        var suite = new Option<string>("--suite") { Description = $"Experiment suite: {string.Join(", ", ExperimentsFlow.Suites)} (ptq runs on --from checkpoints; seeds trains its own: FP, then LSQ, POT, POST, ASQ + uniform, ASQ + POST at W4A4, W3A3, W2A2, each with and without BWRF)", DefaultValueFactory = _ => "ptq" };
        var from = new Option<string[]>("--from") { Description = "ptq suite: float checkpoints to run the suite on (several may follow one --from)", AllowMultipleArgumentsPerToken = true };
        var rows = new Option<string?>("--rows") { Description = "Rewrite --md from the rows an earlier run stored in this JSON file, running nothing" };
        var md = new Option<string>("--md") { Description = "Markdown table to write (e.g. docs/results.md); the suite's section is replaced, the other suites' kept; refused if it exists unless --force (or --resume)", DefaultValueFactory = _ => "docs/results.md" };
        var json = new Option<string>("--json") { Description = "JSON rows to write (e.g. docs/results.json); the suite's rows are replaced, the other suites' kept; refused if it exists unless --force (or --resume)", DefaultValueFactory = _ => "docs/results.json" };
        var quick = new Option<bool>("--quick") { Description = "ptq: 200 AdaRound iterations, 256 calibration samples and 2000 test images; seeds: 1000 train / 300 test images, 1 epoch, 6 rows" };
        var defaults = new SeedSuiteOptions();
        var model = new Option<string?>("--model") { Description = $"seeds suite: the model, e.g. {defaults.Model} (default), lenet5 or resnet8" };
        var seeds = new Option<string?>("--seeds") { Description = $"seeds suite: seeds, at least 2 (default {string.Join(",", defaults.Seeds)})" };
        var fpEpochs = new Option<int?>("--fp-epochs") { Description = $"seeds suite: float training epochs (default {defaults.FpEpochs})" };
        var qatEpochs = new Option<int?>("--qat-epochs") { Description = $"seeds suite: QAT epochs, with and without BWRF (default {defaults.QatEpochs})" };
        var resume = new Option<bool>("--resume") { Description = "seeds suite: keep the rows --json already holds for this model and recipe, run the others" };
        var data = Data(); var force = new Option<bool>("--force") { Description = "Update --md and --json when they exist (the suite's section and rows are replaced)" };
        var cmd = new Command("experiments", "Run an experiment suite and write its results table (docs/results.md) and rows (docs/results.json)") { suite, from, rows, md, json, quick, model, seeds, fpEpochs, qatEpochs, resume, data, force };
        cmd.SetAction(p => Guard(() =>
        {
            string name = p.GetValue(suite)!;
            bool seedSuite = name == SeedSuite.Name;
            var seedOnly = new (string Name, bool Given)[] { ("--model", p.GetValue(model) is not null), ("--seeds", p.GetValue(seeds) is not null), ("--fp-epochs", p.GetValue(fpEpochs) is not null), ("--qat-epochs", p.GetValue(qatEpochs) is not null), ("--resume", p.GetValue(resume)) };
            if (!seedSuite && seedOnly.FirstOrDefault(s => s.Given) is { Name: { } bad }) throw new ArgumentException($"{bad} is an option of --suite {SeedSuite.Name}");
            if (seedSuite && (p.GetValue(from) ?? []).Length > 0) throw new ArgumentException($"--suite {SeedSuite.Name} trains its own models and takes no --from; use --model");
            if (p.GetValue(rows) is string stored) ExperimentsFlow.Render(name, stored, p.GetValue(md)!, p.GetValue(quick), p.GetValue(force), new SpectreReporter());
            else if (seedSuite)
            {
                var o = new SeedSuiteOptions
                {
                    Model = p.GetValue(model) ?? defaults.Model,
                    Seeds = p.GetValue(seeds) is string s ? SeedSuiteOptions.ParseSeeds(s) : defaults.Seeds,
                    FpEpochs = p.GetValue(fpEpochs) ?? defaults.FpEpochs,
                    QatEpochs = p.GetValue(qatEpochs) ?? defaults.QatEpochs,
                    Quick = p.GetValue(quick),
                    Resume = p.GetValue(resume),
                    DataDir = p.GetValue(data)!,
                };
                SeedSuite.Run(o, p.GetValue(md)!, p.GetValue(json)!, p.GetValue(force), new SpectreReporter());
            }
            else ExperimentsFlow.Run(name, p.GetValue(from) ?? [], p.GetValue(md)!, p.GetValue(json)!, p.GetValue(quick), p.GetValue(data)!, p.GetValue(force), new SpectreReporter());
            return 0;
        }));
        return cmd;
    }
}
