using System.IO;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ArtRest.Client
{
    /// <summary>The request bodies, written straight to UTF-8.</summary>
    internal static class RequestBodies
    {
        // Plain UTF-8 rather than \uXXXX for every non-ASCII character: smaller bodies, same JSON.
        private static readonly JsonWriterOptions WriterOptions = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        public static byte[] User(ArtSession session) => Write(writer =>
        {
            writer.WriteString("username", session.UserName);
            writer.WriteString("first_name", session.FirstName ?? string.Empty);
            writer.WriteString("last_name", session.LastName ?? string.Empty);
        });

        public static byte[] Refresh(string refreshToken) => Write(writer => writer.WriteString("refresh_token", refreshToken));

        public static byte[] Push(ArtMessage message, string connectionId) => Write(writer =>
        {
            writer.WriteString("channel", message.Channel);
            writer.WriteString("event", message.Event);
            writer.WriteString("content", message.Content);
            if (message.To.Count > 0)
            {
                writer.WriteStartArray("to");
                foreach (string name in message.To)
                {
                    writer.WriteStringValue(name);
                }

                writer.WriteEndArray();
            }

            writer.WriteString("connection_id", connectionId);
        });

        private static byte[] Write(System.Action<Utf8JsonWriter> writeProperties)
        {
            using var buffer = new MemoryStream(256);
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                writer.WriteStartObject();
                writeProperties(writer);
                writer.WriteEndObject();
            }

            return buffer.ToArray();
        }
    }
}
