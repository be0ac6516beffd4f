using System;
using System.Collections.Generic;

namespace ArtRest.Client
{
    /// <summary>What Send-ArtMessage writes for each message ART accepted.</summary>
    public sealed class ArtMessageResult
    {
        internal ArtMessageResult(ArtMessage message, ArtSession session, string serverMessage, DateTime sentAt, TimeSpan duration)
        {
            Channel = message.Channel;
            Event = message.Event;
            Content = message.Content;
            To = message.To;
            UserName = session.UserName;
            ConnectionId = session.ConnectionId ?? string.Empty;
            ServerMessage = serverMessage;
            SentAt = sentAt;
            Duration = duration;
        }

        public string Channel { get; }

        public string Event { get; }

        /// <summary>The content as sent: the text given, or the JSON text of the object given.</summary>
        public string Content { get; }

        /// <summary>Recipients; empty means everyone on the channel.</summary>
        public IReadOnlyList<string> To { get; }

        public string UserName { get; }

        public string ConnectionId { get; }

        /// <summary>What ART said, e.g. "Message processed successfully".</summary>
        public string ServerMessage { get; }

        /// <summary>When the push was sent (UTC).</summary>
        public DateTime SentAt { get; }

        /// <summary>Time from sending to ART's answer, retries included.</summary>
        public TimeSpan Duration { get; }

        public override string ToString() => Channel + "/" + Event + ": " + ServerMessage;
    }
}
