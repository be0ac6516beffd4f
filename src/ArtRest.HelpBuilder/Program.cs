using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace ArtRest.HelpBuilder
{
    /// <summary>
    /// ArtRest.HelpBuilder &lt;docsDir&gt; &lt;outDir&gt;: docs/*.md (one per cmdlet, platyPS 0.14 schema)
    /// become &lt;outDir&gt;/ArtRest.dll-Help.xml, and docs/about_*.help.md become
    /// &lt;outDir&gt;/about_*.help.txt. A file that does not follow the schema fails the run (exit 1).
    /// </summary>
    public static class Program
    {
        public static int Main(string[] args)
        {
            if (args.Length != 2 || args[0] == "--help" || args[0] == "-h")
            {
                Console.Error.WriteLine("Usage: ArtRest.HelpBuilder <docsDir> <outDir>");
                Console.Error.WriteLine("  Converts <docsDir>/*.md (platyPS markdown) into <outDir>/<external help file> (MAML)");
                Console.Error.WriteLine("  and <docsDir>/about_*.help.md into <outDir>/about_*.help.txt.");
                return 2;
            }

            string docs = Path.GetFullPath(args[0]);
            string output = Path.GetFullPath(args[1]);
            if (!Directory.Exists(docs))
            {
                Console.Error.WriteLine("ArtRest.HelpBuilder: no folder " + docs + ".");
                return 2;
            }

            try
            {
                Directory.CreateDirectory(output);
                var commands = new List<CommandHelp>();
                foreach (string file in Directory.GetFiles(docs, "*.md").OrderBy(f => f, StringComparer.Ordinal))
                {
                    string name = Path.GetFileName(file);
                    if (name.StartsWith("about_", StringComparison.OrdinalIgnoreCase))
                    {
                        AboutTopic topic = MarkdownHelpReader.ReadAbout(file);
                        string target = Path.Combine(output, topic.Name + ".help.txt");
                        File.WriteAllText(target, AboutTextWriter.Write(topic), new UTF8Encoding(false));
                        Console.WriteLine(name + " -> " + target);
                    }
                    else if (!name.Equals("README.md", StringComparison.OrdinalIgnoreCase))
                    {
                        commands.Add(MarkdownHelpReader.ReadCommand(file));
                    }
                }

                // One MAML file per "external help file" named in the front matter (ArtRest.dll-Help.xml).
                foreach (IGrouping<string, CommandHelp> group in commands.GroupBy(HelpFileName, StringComparer.OrdinalIgnoreCase))
                {
                    string target = Path.Combine(output, group.Key);
                    var settings = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) };
                    using (XmlWriter writer = XmlWriter.Create(target, settings))
                    {
                        MamlWriter.Write(group).Save(writer);
                    }

                    Console.WriteLine(string.Join(", ", group.Select(c => c.Name)) + " -> " + target);
                }

                return 0;
            }
            catch (HelpFormatException invalid)
            {
                Console.Error.WriteLine("ArtRest.HelpBuilder: " + invalid.Message);
                return 1;
            }
        }

        private static string HelpFileName(CommandHelp help) =>
            help.Metadata.TryGetValue("external help file", out string? file) && file.Length > 0
                ? file
                : throw new HelpFormatException(help.Name + ": the front matter has no 'external help file'.");
    }
}
