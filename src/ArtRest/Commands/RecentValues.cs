using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Collections;

namespace ArtRest.Commands
{
    /// <summary>
    /// Channels and events this process sent to lately, offered by tab completion. Costs nothing
    /// at import, and on the send path only a comparison unless the value changed.
    /// </summary>
    internal static class RecentValues
    {
        private const int Capacity = 32;

        public static readonly RecentList Channels = new RecentList(Capacity);

        public static readonly RecentList Events = new RecentList(Capacity, "message");

        internal sealed class RecentList
        {
            private readonly LinkedList<string> _items = new LinkedList<string>();
            private readonly int _capacity;
            private string? _last;

            public RecentList(int capacity, params string[] seed)
            {
                _capacity = capacity;
                foreach (string value in seed)
                {
                    _items.AddLast(value);
                }
            }

            public void Note(string value)
            {
                if (string.Equals(value, _last, StringComparison.Ordinal))
                {
                    return;
                }

                lock (_items)
                {
                    _last = value;
                    _items.Remove(value);
                    _items.AddFirst(value);
                    if (_items.Count > _capacity)
                    {
                        _items.RemoveLast();
                    }
                }
            }

            public string[] Snapshot()
            {
                lock (_items)
                {
                    var copy = new string[_items.Count];
                    _items.CopyTo(copy, 0);
                    return copy;
                }
            }
        }
    }

    /// <summary>Completes -Channel with the channels sent to lately, most recent first.</summary>
    public sealed class RecentChannelCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(
            string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
            RecentCompletion.Complete(RecentValues.Channels, wordToComplete);
    }

    /// <summary>Completes -Event with the events sent lately ('message' always offered).</summary>
    public sealed class RecentEventCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(
            string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
            RecentCompletion.Complete(RecentValues.Events, wordToComplete);
    }

    internal static class RecentCompletion
    {
        public static IEnumerable<CompletionResult> Complete(RecentValues.RecentList list, string wordToComplete)
        {
            string prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
            foreach (string value in list.Snapshot())
            {
                if (value.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                {
                    string text = value.IndexOfAny(new[] { ' ', '\'', '"', '$', '`', ';', ',' }) >= 0 ? "'" + value.Replace("'", "''") + "'" : value;
                    yield return new CompletionResult(text, value, CompletionResultType.ParameterValue, value);
                }
            }
        }
    }
}
