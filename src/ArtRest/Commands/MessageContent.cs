using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ArtRest.Client;

namespace ArtRest.Commands
{
    /// <summary>
    /// Turns -Content into the text ART receives: a string as is, anything else as its JSON text
    /// (as the ADKs send structured data). Self-references and runaway nesting are errors, not hangs.
    /// </summary>
    internal static class MessageContent
    {
        /// <summary>Content larger than this (UTF-8 bytes) is refused before sending.</summary>
        public const int MaxBytes = 1024 * 1024;

        private const int MaxDepth = 32;

        private static readonly JsonWriterOptions WriterOptions = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        public static string ToText(object? content)
        {
            object? value = content is PSObject wrapped && !(wrapped.BaseObject is PSCustomObject) ? wrapped.BaseObject : content;
            string text = value as string ?? ToJson(value);
            // Cheap check first: only long texts can be over the limit.
            if (text.Length > MaxBytes / 3 && Encoding.UTF8.GetByteCount(text) > MaxBytes)
            {
                throw new ArtException(
                    ArtErrorKind.ContentTooLarge,
                    "-Content is " + Encoding.UTF8.GetByteCount(text) + " bytes; ArtRest sends at most " + MaxBytes + " bytes (1 MiB) per message.")
                {
                    RecommendedAction = "Send a smaller message, or split the content over several messages.",
                };
            }

            return text;
        }

        private static string ToJson(object? value)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                Write(writer, value, new HashSet<object>(ReferenceComparer.Instance), 0);
            }

            return Encoding.UTF8.GetString(buffer.ToArray());
        }

        private static void Write(Utf8JsonWriter writer, object? value, HashSet<object> path, int depth)
        {
            if (value is PSObject wrapped && !(wrapped.BaseObject is PSCustomObject))
            {
                value = wrapped.BaseObject;
            }

            switch (value)
            {
                case null:
                    writer.WriteNullValue();
                    return;
                case string text:
                    writer.WriteStringValue(text);
                    return;
                case char character:
                    writer.WriteStringValue(character.ToString());
                    return;
                case bool flag:
                    writer.WriteBooleanValue(flag);
                    return;
                case DateTime time:
                    writer.WriteStringValue(time.ToString("o", CultureInfo.InvariantCulture));
                    return;
                case DateTimeOffset timeOffset:
                    writer.WriteStringValue(timeOffset.ToString("o", CultureInfo.InvariantCulture));
                    return;
                case Enum enumValue:
                    writer.WriteStringValue(enumValue.ToString());
                    return;
                case double number when double.IsNaN(number) || double.IsInfinity(number):
                    writer.WriteStringValue(number.ToString(CultureInfo.InvariantCulture));
                    return;
                case float number when float.IsNaN(number) || float.IsInfinity(number):
                    writer.WriteStringValue(number.ToString(CultureInfo.InvariantCulture));
                    return;
                case sbyte _: case byte _: case short _: case ushort _: case int _: case uint _: case long _: case ulong _: case float _: case double _: case decimal _:
                    writer.WriteRawValue(Convert.ToString(value, CultureInfo.InvariantCulture)!);
                    return;
                case Guid _: case Uri _: case TimeSpan _: case Version _:
                    writer.WriteStringValue(value.ToString());
                    return;
            }

            if (depth >= MaxDepth)
            {
                throw NotSerializable("it nests deeper than " + MaxDepth + " levels");
            }

            if (!path.Add(value))
            {
                throw NotSerializable("it refers to itself (" + value.GetType().Name + " contains itself)");
            }

            try
            {
                switch (value)
                {
                    case IDictionary map:
                        writer.WriteStartObject();
                        foreach (DictionaryEntry entry in map)
                        {
                            writer.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty);
                            Write(writer, entry.Value, path, depth + 1);
                        }

                        writer.WriteEndObject();
                        break;
                    case IEnumerable items:
                        writer.WriteStartArray();
                        foreach (object? item in items)
                        {
                            Write(writer, item, path, depth + 1);
                        }

                        writer.WriteEndArray();
                        break;
                    default:
                        writer.WriteStartObject();
                        foreach (PSPropertyInfo property in PSObject.AsPSObject(value).Properties)
                        {
                            if (!property.IsGettable)
                            {
                                continue;
                            }

                            object? propertyValue;
                            try
                            {
                                propertyValue = property.Value;
                            }
                            catch (GetValueException)
                            {
                                propertyValue = null;
                            }

                            writer.WritePropertyName(property.Name);
                            Write(writer, propertyValue, path, depth + 1);
                        }

                        writer.WriteEndObject();
                        break;
                }
            }
            finally
            {
                path.Remove(value);
            }
        }

        private static ArtException NotSerializable(string why) => new ArtException(
            ArtErrorKind.ContentNotSerializable,
            "-Content cannot be turned into JSON: " + why + ".")
        {
            RecommendedAction = "Pass a string, or an object without cycles (e.g. select the properties you want with Select-Object).",
        };

        private sealed class ReferenceComparer : IEqualityComparer<object>
        {
            public static readonly ReferenceComparer Instance = new ReferenceComparer();

            public new bool Equals(object? x, object? y) => ReferenceEquals(x, y);

            public int GetHashCode(object obj) => RuntimeHelpers.GetHashCode(obj);
        }
    }
}
