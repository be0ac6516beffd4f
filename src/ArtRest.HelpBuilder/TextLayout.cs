using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace ArtRest.HelpBuilder
{
    /// <summary>Plain-text layout: word wrapping with an indent, and tables as aligned columns.</summary>
    public static class TextLayout
    {
        /// <summary>Wraps text to <paramref name="width"/> columns; continuation lines get <paramref name="hanging"/> extra spaces.</summary>
        public static IEnumerable<string> Wrap(string text, int indent, int width, int hanging = 0)
        {
            foreach (string paragraphLine in text.Replace("\r\n", "\n").Split('\n'))
            {
                var line = new StringBuilder(new string(' ', indent));
                bool empty = true;
                foreach (string word in paragraphLine.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (!empty && line.Length + 1 + word.Length > width)
                    {
                        yield return line.ToString();
                        line = new StringBuilder(new string(' ', indent + hanging));
                        empty = true;
                    }

                    if (!empty)
                    {
                        line.Append(' ');
                    }

                    line.Append(word);
                    empty = false;
                }

                yield return line.ToString().TrimEnd();
            }
        }

        /// <summary>
        /// A table as aligned columns when it fits the width; otherwise each row as a block
        /// (first cell, then "Header: value" lines), which stays readable in a console.
        /// </summary>
        public static string Table(IReadOnlyList<string[]> rows, int indent, int width)
        {
            if (rows.Count == 0)
            {
                return string.Empty;
            }

            int columns = rows.Max(r => r.Length);
            int[] widths = Enumerable.Range(0, columns).Select(c => rows.Max(r => c < r.Length ? r[c].Length : 0)).ToArray();
            string pad = new string(' ', indent);
            var text = new StringBuilder();
            if (indent + widths.Sum() + (2 * (columns - 1)) <= width)
            {
                for (int r = 0; r < rows.Count; r++)
                {
                    text.Append(pad).AppendLine(string.Join("  ", Enumerable.Range(0, columns).Select(c => Cell(rows[r], c).PadRight(widths[c]))).TrimEnd());
                    if (r == 0)
                    {
                        text.Append(pad).AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
                    }
                }

                return text.ToString().TrimEnd();
            }

            string[] header = rows[0];
            for (int r = 1; r < rows.Count; r++)
            {
                foreach (string line in Wrap(Cell(rows[r], 0), indent, width))
                {
                    text.AppendLine(line);
                }

                for (int c = 1; c < columns; c++)
                {
                    if (Cell(rows[r], c).Length == 0)
                    {
                        continue;
                    }

                    string label = Cell(header, c);
                    string item = label.Length > 0 ? label + ": " + Cell(rows[r], c) : Cell(rows[r], c);
                    foreach (string line in Wrap(item, indent + 4, width, hanging: 2))
                    {
                        text.AppendLine(line);
                    }
                }

                if (r < rows.Count - 1)
                {
                    text.AppendLine();
                }
            }

            return text.ToString().TrimEnd();
        }

        private static string Cell(string[] row, int column) => column < row.Length ? row[column] : string.Empty;
    }
}
