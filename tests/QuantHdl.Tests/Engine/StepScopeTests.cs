using QuantHdl.Engine.Tensors;
using Xunit;

namespace QuantHdl.Tests.Engine;

public class StepScopeTests
{
    [Fact]
    public void TensorsOfAStepAreReleasedAndBuffersReused()
    {
        var w = new Tensor(new[] { 3, 4 }, GemmTests.RandomArray(new Random(1), 12), requiresGrad: true);
        var x = new Tensor(new[] { 2, 4 }, GemmTests.RandomArray(new Random(2), 8));
        Tensor y;
        float[] yData, yGrad;
        using (Tensor.StepScope())
        {
            y = Ops.Linear(x, w);
            yData = y.Data;
            Ops.Sum(y).Backward();
            yGrad = y.Grad!;
        }
        Assert.True(y.IsReleased);
        Assert.Empty(y.Data);
        Assert.Throws<ObjectDisposedException>(() => y.Item());
        // Parameters and their gradients survive.
        Assert.False(w.IsReleased);
        Assert.Equal(12, w.Grad!.Length);

        using (Tensor.StepScope())
        {
            var y2 = Ops.Linear(x, w);
            // Recycled from the previous step, which no live tensor can see any more.
            Assert.True(ReferenceEquals(y2.Data, yData) || ReferenceEquals(y2.Data, yGrad));
        }
    }

    [Fact]
    public void TrainingStepsRecycleAFixedSetOfBuffers()
    {
        var model = NnTests.Mlp(1, 16, 12, 8, 4);
        var opt = new QuantHdl.Engine.Optim.Adam(model.Parameters());
        var loader = new QuantHdl.Engine.Data.DataLoader(TrainingTests.Quadrants(96, 1), 32, shuffle: true, seed: 1);
        var idle = new List<int>();
        for (int epoch = 0; epoch < 3; epoch++)
        {
            QuantHdl.Engine.Training.Trainer.TrainEpoch(model, loader, opt);
            idle.Add(BufferPool.IdleCount);
        }
        // After the first epoch every buffer a step needs is already in the pool: nothing new is allocated.
        Assert.Equal(idle[0], idle[1]);
        Assert.Equal(idle[0], idle[2]);
    }

    [Fact]
    public void NestedScopesReleaseOnlyTheirOwn()
    {
        var x = Tensor.FromArray(new[] { 1f, 2f }, 2);
        using var outer = Tensor.StepScope();
        var a = Ops.Scale(x, 2);
        Tensor b;
        using (Tensor.StepScope()) b = Ops.Scale(a, 2);
        Assert.True(b.IsReleased);
        Assert.False(a.IsReleased);
        Assert.Equal(new[] { 2f, 4f }, a.Data);
    }

    [Fact]
    public void CloneSurvivesTheScope()
    {
        var x = Tensor.FromArray(new[] { 1f, 2f }, 2);
        Tensor kept;
        using (Tensor.StepScope()) kept = Ops.Scale(x, 3).Clone();
        Assert.Equal(new[] { 3f, 6f }, kept.Data);
    }

    [Fact]
    public void OutsideAScopeNothingIsPooled()
    {
        var y = Ops.Scale(Tensor.FromArray(new[] { 1f }, 1), 2);
        Assert.False(y.IsReleased);
        Assert.Single(Tensor.RentBuffer(1));
    }

    [Fact]
    public void OutOfOrderDisposeIsAnError()
    {
        var outer = Tensor.StepScope();
        var inner = Tensor.StepScope();
        Assert.Throws<InvalidOperationException>(() => outer.Dispose());
        inner.Dispose();
        outer.Dispose();
    }
}
