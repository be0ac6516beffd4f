using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace ArtRest.HelpBuilder
{
    /// <summary>A markdown file that does not follow the platyPS schema; the message names file and line.</summary>
    public sealed class HelpFormatException : Exception
    {
        public HelpFormatException(string message)
            : base(message)
        {
        }
    }

    /// <summary>
    /// Reads platyPS 0.14 (schema 2.0.0) markdown: a cmdlet file into a <see cref="CommandHelp"/>,
    /// an about_*.md file into an <see cref="AboutTopic"/>. Inline markup becomes plain text, as
    /// Get-Help shows it; inline code keeps its backticks, as in Microsoft's own help.
    /// </summary>
    public static class MarkdownHelpReader
    {
        private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseYamlFrontMatter().UsePipeTables().Build();

        private static readonly Regex SyntaxParameter = new Regex(@"(?<![\w<])-(?<name>[A-Za-z][\w]*)", RegexOptions.CultureInvariant);

        public static CommandHelp ReadCommand(string path)
        {
            string text = File.ReadAllText(path);
            MarkdownDocument document = Markdown.Parse(text, Pipeline);
            CommandHelp? help = null;
            Dictionary<string, string> metadata = new Dictionary<string, string>();
            string? section = null;
            SyntaxHelp? syntax = null;
            ExampleHelp? example = null;
            ParameterHelp? parameter = null;
            TypeHelp? typeEntry = null;
            var synopsis = new List<TextBlock>();

            foreach (Block block in document)
            {
                if (block is YamlFrontMatterBlock yaml)
                {
                    metadata = ReadYaml(yaml.Lines.ToString());
                    continue;
                }

                if (block is HeadingBlock heading)
                {
                    string title = InlineText(heading.Inline).Trim();
                    switch (heading.Level)
                    {
                        case 1:
                            help = new CommandHelp(title);
                            section = null;
                            break;
                        case 2:
                            section = title.ToUpperInvariant();
                            syntax = null;
                            example = null;
                            parameter = null;
                            typeEntry = null;
                            break;
                        case 3:
                            Require(help, path, heading);
                            switch (section)
                            {
                                case "SYNTAX":
                                    bool isDefault = title.EndsWith("(Default)", StringComparison.OrdinalIgnoreCase);
                                    syntax = new SyntaxHelp(isDefault ? title.Substring(0, title.Length - "(Default)".Length).Trim() : title, isDefault);
                                    help!.Syntax.Add(syntax);
                                    break;
                                case "EXAMPLES":
                                    example = new ExampleHelp(title);
                                    help!.Examples.Add(example);
                                    break;
                                case "PARAMETERS":
                                    if (title.Equals("CommonParameters", StringComparison.OrdinalIgnoreCase))
                                    {
                                        help!.HasCommonParameters = true;
                                        parameter = null;
                                    }
                                    else if (title.StartsWith("-", StringComparison.Ordinal))
                                    {
                                        parameter = new ParameterHelp(title.Substring(1).Trim());
                                        help!.Parameters.Add(parameter);
                                    }
                                    else
                                    {
                                        throw Error(path, heading, "a parameter heading must be '### -Name' or '### CommonParameters', not '" + title + "'");
                                    }

                                    break;
                                case "INPUTS":
                                case "OUTPUTS":
                                    typeEntry = new TypeHelp(title);
                                    (section == "INPUTS" ? help!.Inputs : help!.Outputs).Add(typeEntry);
                                    break;
                                default:
                                    throw Error(path, heading, "a '###' heading is not expected in section '" + section + "'");
                            }

                            break;
                        default:
                            throw Error(path, heading, "headings deeper than '###' are not part of the schema");
                    }

                    continue;
                }

                Require(help, path, block);
                switch (section)
                {
                    case "SYNOPSIS":
                        synopsis.AddRange(ReadBlock(block));
                        break;
                    case "SYNTAX":
                        if (syntax == null || !(block is FencedCodeBlock syntaxCode))
                        {
                            throw Error(path, block, "SYNTAX holds one '### SetName' heading and one code block per parameter set");
                        }

                        foreach (Match match in SyntaxParameter.Matches(CodeText(syntaxCode)))
                        {
                            string name = match.Groups["name"].Value;
                            if (!syntax.ParameterNames.Contains(name, StringComparer.OrdinalIgnoreCase))
                            {
                                syntax.ParameterNames.Add(name);
                            }
                        }

                        break;
                    case "DESCRIPTION":
                        help!.Description.AddRange(ReadBlock(block));
                        break;
                    case "EXAMPLES":
                        if (example == null)
                        {
                            throw Error(path, block, "example text must follow an '### Example N: title' heading");
                        }

                        if (block is FencedCodeBlock exampleCode)
                        {
                            example.Code.Add(CodeText(exampleCode));
                        }
                        else
                        {
                            (example.Code.Count == 0 ? example.Introduction : example.Remarks).AddRange(ReadBlock(block));
                        }

                        break;
                    case "PARAMETERS":
                        if (help!.HasCommonParameters && parameter == null)
                        {
                            break; // the standard CommonParameters text: Get-Help writes its own.
                        }

                        if (parameter == null)
                        {
                            throw Error(path, block, "parameter text must follow a '### -Name' heading");
                        }

                        if (block is FencedCodeBlock fenced && fenced.Info == "yaml")
                        {
                            parameter.Bindings.Add(ReadBinding(ReadYaml(CodeText(fenced)), path, block));
                        }
                        else
                        {
                            parameter.Description.AddRange(ReadBlock(block));
                        }

                        break;
                    case "INPUTS":
                    case "OUTPUTS":
                        if (typeEntry == null)
                        {
                            throw Error(path, block, section + " lists types as '### TypeName' headings");
                        }

                        typeEntry.Description.AddRange(ReadBlock(block));
                        break;
                    case "NOTES":
                        help!.Notes.AddRange(ReadBlock(block));
                        break;
                    case "RELATED LINKS":
                        foreach (LinkInline link in LinksIn(block))
                        {
                            help!.RelatedLinks.Add(new LinkHelp(InlineText(link), link.Url ?? string.Empty));
                        }

                        break;
                    default:
                        throw Error(path, block, "text outside the schema's sections (" + (section ?? "before the first '##'") + ")");
                }
            }

            if (help == null)
            {
                throw new HelpFormatException(path + ": no '# Command-Name' heading.");
            }

            foreach (KeyValuePair<string, string> pair in metadata)
            {
                help.Metadata[pair.Key] = pair.Value;
            }

            help.Synopsis = string.Join(Environment.NewLine + Environment.NewLine, synopsis.Select(b => b.Text));
            Validate(help, path);
            return help;
        }

        public static AboutTopic ReadAbout(string path)
        {
            MarkdownDocument document = Markdown.Parse(File.ReadAllText(path), Pipeline);
            AboutTopic? topic = null;
            AboutSection? section = null;
            foreach (Block block in document)
            {
                if (block is YamlFrontMatterBlock)
                {
                    continue;
                }

                if (block is HeadingBlock heading)
                {
                    string title = InlineText(heading.Inline).Trim();
                    topic ??= new AboutTopic(title);
                    section = new AboutSection(heading.Level, title);
                    topic.Sections.Add(section);
                    continue;
                }

                if (section == null)
                {
                    throw Error(path, block, "an about topic starts with '# about_Name'");
                }

                section.Content.AddRange(ReadBlock(block));
            }

            return topic ?? throw new HelpFormatException(path + ": no '# about_Name' heading.");
        }

        /// <summary>Checks what Get-Help needs and what the schema promises, so a broken file fails the build.</summary>
        private static void Validate(CommandHelp help, string path)
        {
            var problems = new List<string>();
            if (help.Synopsis.Length == 0)
            {
                problems.Add("SYNOPSIS is empty");
            }

            if (help.Syntax.Count == 0)
            {
                problems.Add("SYNTAX has no parameter set");
            }

            foreach (SyntaxHelp set in help.Syntax)
            {
                foreach (string name in set.ParameterNames)
                {
                    if (help.Parameter(name) == null)
                    {
                        problems.Add("SYNTAX '" + set.ParameterSet + "' names -" + name + ", which PARAMETERS does not document");
                    }
                }
            }

            foreach (ParameterHelp parameter in help.Parameters)
            {
                if (parameter.Bindings.Count == 0)
                {
                    problems.Add("-" + parameter.Name + " has no ```yaml block");
                }

                if (parameter.Description.Count == 0)
                {
                    problems.Add("-" + parameter.Name + " has no description");
                }
            }

            foreach (ExampleHelp example in help.Examples)
            {
                if (example.Code.Count == 0)
                {
                    problems.Add("'" + example.Title + "' has no code block");
                }
            }

            if (problems.Count > 0)
            {
                throw new HelpFormatException(path + ": " + string.Join("; ", problems) + ".");
            }
        }

        private static ParameterBinding ReadBinding(Dictionary<string, string> yaml, string path, Block block)
        {
            string Field(string key) => yaml.TryGetValue(key, out string? value)
                ? value
                : throw Error(path, block, "the parameter's yaml has no '" + key + ":'");

            var binding = new ParameterBinding
            {
                Type = Field("Type"),
                Required = IsTrue(Field("Required")),
                Position = Field("Position"),
                DefaultValue = Field("Default value"),
                PipelineInput = Field("Accept pipeline input"),
                Globbing = IsTrue(Field("Accept wildcard characters")),
            };
            binding.ParameterSets.AddRange(List(Field("Parameter Sets")));
            binding.Aliases.AddRange(List(Field("Aliases")));
            return binding;
        }

        private static IEnumerable<string> List(string value) =>
            value.Split(',').Select(v => v.Trim()).Where(v => v.Length > 0 && !v.Equals("None", StringComparison.OrdinalIgnoreCase));

        private static bool IsTrue(string value) => value.StartsWith("True", StringComparison.OrdinalIgnoreCase);

        /// <summary>"key: value" lines (all platyPS writes); keys keep their case and spaces.</summary>
        private static Dictionary<string, string> ReadYaml(string text)
        {
            var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (string raw in text.Split('\n'))
            {
                string line = raw.TrimEnd('\r');
                int colon = line.IndexOf(':');
                if (line.Trim() == "---" || colon <= 0)
                {
                    continue;
                }

                values[line.Substring(0, colon).Trim()] = line.Substring(colon + 1).Trim();
            }

            return values;
        }

        /// <summary>One markdown block as prose blocks: lists flatten into one item each.</summary>
        private static IEnumerable<TextBlock> ReadBlock(Block block, int depth = 0)
        {
            switch (block)
            {
                case ParagraphBlock paragraph:
                    yield return new TextBlock(TextKind.Paragraph, InlineText(paragraph.Inline).Trim());
                    break;
                case CodeBlock code:
                    yield return new TextBlock(TextKind.Code, CodeText(code));
                    break;
                case ListBlock list:
                    int number = list.IsOrdered && int.TryParse(list.OrderedStart, out int start) ? start : 1;
                    foreach (Block item in list)
                    {
                        string bullet = list.IsOrdered ? number++ + ". " : "- ";
                        bool first = true;
                        foreach (Block inner in (ContainerBlock)item)
                        {
                            foreach (TextBlock text in ReadBlock(inner, inner is ListBlock ? depth + 1 : depth))
                            {
                                yield return first && text.Kind == TextKind.Paragraph
                                    ? new TextBlock(TextKind.ListItem, bullet + text.Text, depth)
                                    : text;
                                first = false;
                            }
                        }
                    }

                    break;
                case Table table:
                    var result = new TextBlock(TextKind.Table, string.Empty);
                    foreach (TableRow row in table.OfType<TableRow>())
                    {
                        result.Rows.Add(row.OfType<TableCell>().Select(cell => string.Join(" ", cell.OfType<ParagraphBlock>().Select(p => InlineText(p.Inline).Trim()))).ToArray());
                    }

                    yield return result;
                    break;
                case QuoteBlock quote:
                    foreach (Block inner in quote)
                    {
                        foreach (TextBlock text in ReadBlock(inner, depth))
                        {
                            yield return text;
                        }
                    }

                    break;
                case ThematicBreakBlock _:
                    break;
                case LeafBlock leaf:
                    yield return new TextBlock(TextKind.Paragraph, leaf.Lines.ToString().Trim());
                    break;
            }
        }

        /// <summary>The links of a paragraph or list, in order (Markdig's Descendants does not enter inlines).</summary>
        private static IEnumerable<LinkInline> LinksIn(Block block)
        {
            if (block is LeafBlock leaf && leaf.Inline != null)
            {
                foreach (LinkInline link in LinksIn(leaf.Inline))
                {
                    yield return link;
                }
            }
            else if (block is ContainerBlock container)
            {
                foreach (Block child in container)
                {
                    foreach (LinkInline link in LinksIn(child))
                    {
                        yield return link;
                    }
                }
            }
        }

        private static IEnumerable<LinkInline> LinksIn(ContainerInline container)
        {
            for (Inline? child = container.FirstChild; child != null; child = child.NextSibling)
            {
                if (child is LinkInline link)
                {
                    yield return link;
                }
                else if (child is ContainerInline inner)
                {
                    foreach (LinkInline nested in LinksIn(inner))
                    {
                        yield return nested;
                    }
                }
            }
        }

        private static string CodeText(LeafBlock code) => code.Lines.ToString().TrimEnd();

        /// <summary>Inline markup as plain text: emphasis dropped, inline code kept in backticks, links as their text.</summary>
        internal static string InlineText(Inline? inline)
        {
            var text = new StringBuilder();
            Append(text, inline);
            return text.ToString();
        }

        private static void Append(StringBuilder text, Inline? inline)
        {
            switch (inline)
            {
                case null:
                    return;
                case LiteralInline literal:
                    text.Append(literal.Content.ToString());
                    return;
                case CodeInline code:
                    text.Append('`').Append(code.Content).Append('`');
                    return;
                case LineBreakInline lineBreak:
                    text.Append(lineBreak.IsHard ? Environment.NewLine : " ");
                    return;
                case AutolinkInline autolink:
                    text.Append(autolink.Url);
                    return;
                case HtmlInline html:
                    text.Append(html.Tag);
                    return;
                case LinkInline link:
                    int start = text.Length;
                    AppendChildren(text, link);
                    string label = text.ToString(start, text.Length - start);
                    string url = link.Url ?? string.Empty;
                    bool external = url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
                    if (external && label != url)
                    {
                        text.Append(" (").Append(url).Append(')');
                    }

                    return;
                case ContainerInline container:
                    AppendChildren(text, container);
                    return;
            }
        }

        private static void AppendChildren(StringBuilder text, ContainerInline container)
        {
            for (Inline? child = container.FirstChild; child != null; child = child.NextSibling)
            {
                Append(text, child);
            }
        }

        private static void Require(CommandHelp? help, string path, Block block)
        {
            if (help == null)
            {
                throw Error(path, block, "the file must start (after its front matter) with '# Command-Name'");
            }
        }

        private static HelpFormatException Error(string path, Block block, string what) =>
            new HelpFormatException(path + ":" + (block.Line + 1) + ": " + what + ".");
    }
}
