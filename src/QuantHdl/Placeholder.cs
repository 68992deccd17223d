namespace QuantHdl; internal static class Placeholder {}
