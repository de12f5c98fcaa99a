using System.Buffers;
using System.Text.Json;
using Bookwell.Infrastructure;
using Bookwell.Scheduling.Slots;
using Bookwell.Scheduling.Travel;
using NodaTime;

namespace Bookwell.Features.Availability;

/// <summary>
/// A mobile answer for one client's address, from a question prepared for every address: the API writes it straight from
/// the engine's indexes into bytes prepared with the question (<see cref="TripTexts"/>), with no <see cref="Slot"/> per
/// start; its slots as objects are worked out only when something else (the booking page) asks for them.
/// </summary>
public sealed class TripAnswer(SlotEngine.TripSlots part, GeoPoint destination, TripTexts texts)
{
    /// <summary>The zone the answer's times are written in.</summary>
    public DateTimeZone Zone => texts.Zone;

    /// <summary>The slots, as <see cref="SlotEngine.TripSlots.FindSlots(GeoPoint)"/> gives them.</summary>
    public IReadOnlyList<Slot> Slots() => part.FindSlots(destination);

    /// <summary>
    /// The contract's slots JSON, byte for byte what <see cref="PageEndpoints"/>' UTF-8 writer makes of <see cref="Slots"/>
    /// (<c>{"timeZone":…,"slots":[{"start":…,"end":…,"staff":[…],"remaining":n},…]}</c>, minimised).
    /// </summary>
    /// <param name="buffer">Where the bytes go.</param>
    public void WriteJson(IBufferWriter<byte> buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        buffer.Write(texts.Head);
        var sink = new Sink(buffer, texts);
        part.FindSlots(destination, ref sink);
        buffer.Write("]}"u8);
    }

    private struct Sink(IBufferWriter<byte> buffer, TripTexts texts) : SlotEngine.ITripSlotSink
    {
        private bool _more;

        public void Slot(int start, ReadOnlySpan<int> units)
        {
            if (_more)
            {
                buffer.Write(","u8);
            }
            _more = true;
            buffer.Write(texts.Start(start));
            for (var i = 0; i < units.Length; i++)
            {
                if (i > 0)
                {
                    buffer.Write(","u8);
                }
                buffer.Write(texts.Unit(units[i]));
            }
            buffer.Write(texts.Tail);
        }
    }
}

/// <summary>
/// The JSON pieces of one prepared mobile question (<see cref="SlotEngine.TripSlots"/>) in one zone, made once and copied
/// into every address's answer: the head, each start's <c>{"start":…,"end":…,"staff":[</c> (made the first time an
/// answer has that start), each staff key as a JSON string, and the <c>],"remaining":n}</c> that closes a slot. Escaped as
/// <see cref="Utf8JsonWriter"/> escapes by default.
/// </summary>
public sealed class TripTexts
{
    private readonly SlotEngine.TripSlots _part;
    private readonly byte[]?[] _starts;
    private readonly byte[][] _units;

    /// <param name="part">The prepared question (<see cref="SlotEngine.TripSlots.Indexed"/>).</param>
    /// <param name="zone">The zone its times are written in.</param>
    public TripTexts(SlotEngine.TripSlots part, DateTimeZone zone)
    {
        ArgumentNullException.ThrowIfNull(part);
        ArgumentNullException.ThrowIfNull(zone);
        _part = part;
        Zone = zone;
        _starts = new byte[]?[part.StartCount];
        _units = new byte[part.UnitCount][];
        for (var u = 0; u < _units.Length; u++)
        {
            _units[u] = Quoted(JsonEncodedText.Encode(part.UnitKey(u)));
        }
        Head = [.. "{\"timeZone\":"u8, .. Quoted(JsonEncodedText.Encode(zone.Id)), .. ",\"slots\":["u8];
        Tail = System.Text.Encoding.UTF8.GetBytes(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"],\"remaining\":{part.Capacity}}}"));
    }

    /// <summary>The zone the times are written in.</summary>
    public DateTimeZone Zone { get; }

    /// <summary>The answer's opening, up to the slots' array.</summary>
    public byte[] Head { get; }

    /// <summary>What closes each slot.</summary>
    public byte[] Tail { get; }

    /// <summary>A start's opening of its slot, up to its staff array's bracket.</summary>
    /// <param name="start">The start's index in the prepared question.</param>
    public byte[] Start(int start) =>
        // Made at most a few times over by requests racing for the same start: every copy is the same bytes.
        _starts[start] ??= [.. "{\"start\":"u8, .. Quoted(JsonEncodedText.Encode(TimeFormats.Format(_part.StartAt(start), Zone))),
            .. ",\"end\":"u8, .. Quoted(JsonEncodedText.Encode(TimeFormats.Format(_part.EndAt(start), Zone))), .. ",\"staff\":["u8];

    /// <summary>A staff key as a JSON string.</summary>
    /// <param name="unit">The unit's index in the prepared question.</param>
    public byte[] Unit(int unit) => _units[unit];

    private static byte[] Quoted(JsonEncodedText text) => [(byte)'"', .. text.EncodedUtf8Bytes, (byte)'"'];
}
