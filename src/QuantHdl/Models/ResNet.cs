namespace QuantHdl.Models;

/// <summary>
/// Residual networks of basic blocks (docs/models.md "resnet8"): a 3 x 3 stem conv with BN and ReLU,
/// then stages of basic blocks (conv 3x3, BN, ReLU, conv 3x3, BN, add the shortcut, ReLU); the first
/// block of every stage after the first has stride 2, and where a block changes the shape its shortcut
/// is a 1 x 1 conv at the block's stride with BN, otherwise the block input itself. Then global average
/// pooling and a dense logit layer.
/// </summary>
public static class ResNet
{
    /// <summary>
    /// The nodes of the net with <paramref name="blocks"/> basic blocks in each stage of
    /// <paramref name="channels"/> channels, <paramref name="stem"/> stem channels and
    /// <paramref name="classes"/> logits. Block b of stage s is named <c>sSbB_*</c>: <c>conv1</c>,
    /// <c>bn1</c>, <c>relu1</c>, <c>conv2</c>, <c>bn2</c>, the shortcut's <c>down</c> and <c>down_bn</c>,
    /// <c>add</c>, <c>relu2</c>; the stem is <c>stem</c>, <c>stem_bn</c>, <c>stem_relu</c>, then <c>gap</c> and <c>fc</c>.
    /// </summary>
    public static List<GraphNodeText> Nodes(int stem, int[] channels, int blocks, int classes)
    {
        var nodes = new List<GraphNodeText>();
        void Add(string name, LayerSpec layer, params string[] inputs) => nodes.Add(new GraphNodeText(name, layer, inputs));
        Add("stem", new ConvSpec(stem, 3, 1, 1));
        Add("stem_bn", new BatchNormSpec());
        Add("stem_relu", new ReluSpec());
        string x = "stem_relu";
        int c = stem;
        for (int s = 0; s < channels.Length; s++)
            for (int b = 0; b < blocks; b++)
            {
                int stride = s > 0 && b == 0 ? 2 : 1;
                int o = channels[s];
                string p = $"s{s + 1}b{b + 1}_";
                Add(p + "conv1", new ConvSpec(o, 3, stride, 1), x);
                Add(p + "bn1", new BatchNormSpec());
                Add(p + "relu1", new ReluSpec());
                Add(p + "conv2", new ConvSpec(o, 3, 1, 1));
                Add(p + "bn2", new BatchNormSpec());
                string shortcut = x;
                if (stride != 1 || o != c)
                {
                    Add(p + "down", new ConvSpec(o, 1, stride, 0), x);
                    Add(p + "down_bn", new BatchNormSpec());
                    shortcut = p + "down_bn";
                }
                Add(p + "add", new AddSpec(), p + "bn2", shortcut);
                Add(p + "relu2", new ReluSpec());
                x = p + "relu2";
                c = o;
            }
        Add("gap", new GlobalAvgPoolSpec(), x);
        Add("fc", new DenseSpec(classes));
        return nodes;
    }

    /// <summary>ResNet-8: stem 16, one block in each of three stages of 16, 32 and 64 channels, 10 logits.</summary>
    public static ModelSpec ResNet8(Shape input) => ModelSpec.FromGraph(ModelSpec.ResNet8, input, Nodes(16, [16, 32, 64], 1, 10));
}
