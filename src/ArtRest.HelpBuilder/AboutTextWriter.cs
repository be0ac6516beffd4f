using System;
using System.Text;

namespace ArtRest.HelpBuilder
{
    /// <summary>
    /// Writes an about topic as the classic about_*.help.txt: TOPIC, then each "##" section as an
    /// upper-case heading with its text indented four spaces and wrapped at 80 columns, and "###"
    /// subsections as headings indented two. Get-Help takes line 5 as the topic's synopsis, so
    /// the first section must be SHORT DESCRIPTION with one short line.
    /// </summary>
    public static class AboutTextWriter
    {
        private const int Width = 80;
        private const int Indent = 4;

        public static string Write(AboutTopic topic)
        {
            var text = new StringBuilder();
            text.AppendLine("TOPIC");
            text.Append(' ', Indent).AppendLine(topic.Name);
            foreach (AboutSection section in topic.Sections)
            {
                if (section.Level > 1)
                {
                    text.AppendLine();
                    text.AppendLine(section.Level == 2 ? section.Title.ToUpperInvariant() : "  " + section.Title);
                }

                // Get-Help shows line 5 as the synopsis: keep the short description on one line.
                bool oneLine = section.Title.Equals("SHORT DESCRIPTION", StringComparison.OrdinalIgnoreCase);
                TextKind? previous = null;
                foreach (TextBlock block in section.Content)
                {
                    // A blank line between blocks, except between two items of one list.
                    if (previous != null && !(previous == TextKind.ListItem && block.Kind == TextKind.ListItem))
                    {
                        text.AppendLine();
                    }

                    if (oneLine && block.Kind == TextKind.Paragraph)
                    {
                        text.Append(' ', Indent).AppendLine(block.Text.Replace(Environment.NewLine, " "));
                    }
                    else
                    {
                        AppendBlock(text, block);
                    }

                    previous = block.Kind;
                }
            }

            return text.ToString().Replace("\r\n", "\n").Replace("\n", Environment.NewLine);
        }

        private static void AppendBlock(StringBuilder text, TextBlock block)
        {
            switch (block.Kind)
            {
                case TextKind.Code:
                    foreach (string line in block.Text.Replace("\r\n", "\n").Split('\n'))
                    {
                        text.AppendLine((new string(' ', Indent + 4) + line).TrimEnd());
                    }

                    break;
                case TextKind.ListItem:
                    int hanging = block.Text.IndexOf(' ') + 1; // under the text, not the bullet
                    foreach (string line in TextLayout.Wrap(block.Text, Indent + (block.Depth * 2), Width, hanging))
                    {
                        text.AppendLine(line);
                    }

                    break;
                case TextKind.Table:
                    text.AppendLine(TextLayout.Table(block.Rows, Indent, Width));
                    break;
                default:
                    foreach (string line in TextLayout.Wrap(block.Text, Indent, Width))
                    {
                        text.AppendLine(line);
                    }

                    break;
            }
        }
    }
}
