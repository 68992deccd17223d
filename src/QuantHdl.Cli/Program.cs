using QuantHdl.Cli;

return Cli.Run(args);
