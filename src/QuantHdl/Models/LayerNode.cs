namespace QuantHdl.Models;

/// <summary>One named node of a model's layer graph, with the names of its inputs and its output shape.</summary>
public sealed record LayerNode(string Name, string[] Inputs, LayerSpec Layer, Shape OutShape);
