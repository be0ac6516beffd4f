using System;
using System.Collections.Generic;

namespace ArtRest.Emulator;

/// <summary>A push accepted by the emulator.</summary>
public sealed record StoredMessage(
    long Id,
    DateTimeOffset ReceivedAt,
    string Org,
    string Channel,
    string Event,
    string Content,
    string[] To,
    string ConnectionId,
    string User);

/// <summary>Accepted pushes in acceptance order; ids are 1-based and restart after Clear.</summary>
public sealed class MessageStore
{
    private readonly object _lock = new();
    private List<StoredMessage> _items = new(1024);

    public StoredMessage Add(DateTimeOffset receivedAt, string org, string channel, string evt, string content,
        string[] to, string connectionId, string user)
    {
        lock (_lock)
        {
            var m = new StoredMessage(_items.Count + 1, receivedAt, org, channel, evt, content, to, connectionId, user);
            _items.Add(m);
            return m;
        }
    }

    public int Count
    {
        get { lock (_lock) return _items.Count; }
    }

    public StoredMessage[] Snapshot()
    {
        lock (_lock) return _items.ToArray();
    }

    public void Clear()
    {
        lock (_lock) _items = new List<StoredMessage>(1024);
    }
}
