using System.Collections.Generic;

namespace ArtRest.Client
{
    /// <summary>One message to push, already validated; Content is the text sent as is.</summary>
    public sealed class ArtMessage
    {
        public ArtMessage(string channel, string @event, string content, IReadOnlyList<string>? to)
        {
            Channel = channel;
            Event = @event;
            Content = content;
            To = to ?? System.Array.Empty<string>();
        }

        public string Channel { get; }

        public string Event { get; }

        public string Content { get; }

        /// <summary>Recipients; empty means everyone on the channel.</summary>
        public IReadOnlyList<string> To { get; }

        public override string ToString() => Channel + "/" + Event;
    }
}
