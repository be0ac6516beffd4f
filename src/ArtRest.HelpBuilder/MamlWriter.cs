using System;
using System.Collections.Generic;
using System.Linq;
using System.Xml.Linq;

namespace ArtRest.HelpBuilder
{
    /// <summary>
    /// Writes commands as MAML in the shape platyPS's New-ExternalHelp emits, so Get-Help shows
    /// the result the same way: details, description, syntax (one item per parameter set),
    /// parameters, inputTypes, returnValues, alertSet (NOTES), examples, relatedLinks.
    /// </summary>
    public static class MamlWriter
    {
        private static readonly XNamespace Msh = "http://msh";
        private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
        private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";
        private static readonly XNamespace MSHelp = "http://msdn.microsoft.com/mshelp";

        public static XDocument Write(IEnumerable<CommandHelp> commands) =>
            new XDocument(
                new XDeclaration("1.0", "utf-8", null),
                new XElement(Msh + "helpItems", new XAttribute("schema", "maml"), commands.Select(CommandElement)));

        private static XElement CommandElement(CommandHelp help)
        {
            int dash = help.Name.IndexOf('-');
            return new XElement(
                Command + "command",
                new XAttribute(XNamespace.Xmlns + "maml", Maml),
                new XAttribute(XNamespace.Xmlns + "command", Command),
                new XAttribute(XNamespace.Xmlns + "dev", Dev),
                new XAttribute(XNamespace.Xmlns + "MSHelp", MSHelp),
                new XElement(
                    Command + "details",
                    new XElement(Command + "name", help.Name),
                    new XElement(Command + "verb", dash > 0 ? help.Name.Substring(0, dash) : help.Name),
                    new XElement(Command + "noun", dash > 0 ? help.Name.Substring(dash + 1) : string.Empty),
                    Paragraphs(Maml + "description", new[] { new TextBlock(TextKind.Paragraph, help.Synopsis) })),
                Paragraphs(Maml + "description", help.Description),
                new XElement(Command + "syntax", help.Syntax.Select(set => SyntaxItem(help, set))),
                new XElement(Command + "parameters", help.Parameters.Select(p => Parameter(p, p.Bindings[0], inSyntax: false))),
                new XElement(Command + "inputTypes", help.Inputs.Select(t => TypeEntry(Command + "inputType", t))),
                new XElement(Command + "returnValues", help.Outputs.Select(t => TypeEntry(Command + "returnValue", t))),
                new XElement(Maml + "alertSet", new XElement(Maml + "alert", ParagraphElements(help.Notes))),
                new XElement(Command + "examples", help.Examples.Select(Example)),
                new XElement(Command + "relatedLinks", Links(help)));
        }

        private static XElement SyntaxItem(CommandHelp help, SyntaxHelp set) =>
            new XElement(
                Command + "syntaxItem",
                new XElement(Maml + "name", help.Name),
                set.ParameterNames.Select(name =>
                {
                    ParameterHelp parameter = help.Parameter(name)!;
                    return Parameter(parameter, parameter.BindingFor(set.ParameterSet)!, inSyntax: true);
                }));

        private static XElement Parameter(ParameterHelp parameter, ParameterBinding binding, bool inSyntax) =>
            new XElement(
                Command + "parameter",
                new XAttribute("required", Bool(binding.Required)),
                new XAttribute("variableLength", "true"),
                new XAttribute("globbing", Bool(binding.Globbing)),
                new XAttribute("pipelineInput", binding.PipelineInput),
                new XAttribute("position", binding.Position.Equals("Named", StringComparison.OrdinalIgnoreCase) ? "named" : binding.Position),
                new XAttribute("aliases", binding.Aliases.Count > 0 ? string.Join(", ", binding.Aliases) : "none"),
                new XElement(Maml + "name", parameter.Name),
                Paragraphs(Maml + "description", parameter.Description),
                // In the syntax a switch shows bare (-Refresh); in the parameter list as [<SwitchParameter>].
                inSyntax && parameter.IsSwitch
                    ? null
                    : new XElement(
                        Command + "parameterValue",
                        new XAttribute("required", Bool(!parameter.IsSwitch)),
                        new XAttribute("variableLength", Bool(binding.Type.EndsWith("[]", StringComparison.Ordinal))),
                        binding.Type),
                new XElement(Dev + "type", new XElement(Maml + "name", binding.Type), new XElement(Maml + "uri")),
                new XElement(Dev + "defaultValue", binding.DefaultValue));

        private static XElement TypeEntry(XName name, TypeHelp type) =>
            new XElement(
                name,
                new XElement(Dev + "type", new XElement(Maml + "name", type.TypeName)),
                Paragraphs(Maml + "description", type.Description));

        private static XElement Example(ExampleHelp example) =>
            new XElement(
                Command + "example",
                new XElement(Maml + "title", ExampleTitle(example.Title)),
                example.Introduction.Count > 0 ? Paragraphs(Maml + "introduction", example.Introduction) : null,
                new XElement(Dev + "code", string.Join(Environment.NewLine + Environment.NewLine, example.Code)),
                // The empty para keeps a blank line between one example's remarks and the next title.
                new XElement(Dev + "remarks", ParagraphElements(example.Remarks), example.Remarks.Count > 0 ? new XElement(Maml + "para") : null));

        /// <summary>"Online Version:" first (Get-Help -Online opens it), then the related links.</summary>
        private static IEnumerable<XElement> Links(CommandHelp help)
        {
            if (help.Metadata.TryGetValue("online version", out string? online) && online.Length > 0)
            {
                yield return Link("Online Version:", online);
            }

            foreach (LinkHelp link in help.RelatedLinks)
            {
                bool web = link.Uri.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || link.Uri.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
                yield return Link(link.Text, web ? link.Uri : string.Empty);
            }
        }

        private static XElement Link(string text, string uri) =>
            new XElement(Maml + "navigationLink", new XElement(Maml + "linkText", text), new XElement(Maml + "uri", uri));

        /// <summary>platyPS centres the title in dashes: "---------- Example 1: Title ----------".</summary>
        private static string ExampleTitle(string title)
        {
            const int Width = 80;
            int pad = Math.Max(5, (Width - title.Length - 2) / 2);
            string dashes = new string('-', pad);
            return dashes + " " + title + " " + dashes;
        }

        private static XElement Paragraphs(XName name, IEnumerable<TextBlock> blocks) =>
            new XElement(name, ParagraphElements(blocks));

        private static IEnumerable<XElement> ParagraphElements(IEnumerable<TextBlock> blocks) =>
            blocks.Select(block => new XElement(Maml + "para", ParaText(block)));

        private static string ParaText(TextBlock block)
        {
            switch (block.Kind)
            {
                case TextKind.ListItem:
                    return new string(' ', block.Depth * 2) + block.Text;
                case TextKind.Table:
                    return TextLayout.Table(block.Rows, 0, 100);
                default:
                    return block.Text;
            }
        }

        private static string Bool(bool value) => value ? "true" : "false";
    }
}
