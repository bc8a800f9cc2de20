using System.Collections;
using System.Reflection;
using Runnel.Protocol.Primitives;

namespace Runnel.Protocol.Tests.Messages;

/// <summary>
/// Fills a generated message with random values through reflection, so round-trip tests exercise every field of
/// every API without hand-written fixtures. Nullable references are sometimes null; lists get 0-3 elements.
/// </summary>
internal sealed class MessageFiller(int seed)
{
    private readonly Random _random = new(seed);
    private readonly NullabilityInfoContext _nullability = new();

    public T Fill<T>(T message)
        where T : IKafkaMessage
    {
        FillObject(message, depth: 0);
        return message;
    }

    private void FillObject(object target, int depth)
    {
        foreach (var property in target.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!property.CanWrite || property.Name == "UnknownTaggedFields")
                continue;
            var nullable = _nullability.Create(property).WriteState == NullabilityState.Nullable;
            property.SetValue(target, nullable && _random.Next(5) == 0 ? null : Value(property.PropertyType, depth));
        }
    }

    private object? Value(Type type, int depth)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying == typeof(bool))
            return _random.Next(2) == 1;
        if (underlying == typeof(sbyte))
            return (sbyte)_random.Next(sbyte.MinValue, sbyte.MaxValue + 1);
        if (underlying == typeof(short))
            return (short)_random.Next(short.MinValue, short.MaxValue + 1);
        if (underlying == typeof(ushort))
            return (ushort)_random.Next(ushort.MaxValue + 1);
        if (underlying == typeof(int))
            return _random.Next(int.MinValue, int.MaxValue);
        if (underlying == typeof(uint))
            return (uint)_random.NextInt64(uint.MaxValue + 1L);
        if (underlying == typeof(long))
            return _random.NextInt64(long.MinValue, long.MaxValue);
        if (underlying == typeof(double))
            return _random.NextDouble() * 1000;
        if (underlying == typeof(Guid))
            return Guid.NewGuid();
        if (underlying == typeof(string))
            return RandomString();
        if (underlying == typeof(byte[]))
            return RandomBytes();
        if (underlying == typeof(ReadOnlyMemory<byte>))
            return new ReadOnlyMemory<byte>(RandomBytes());
        if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() == typeof(List<>))
        {
            var list = (IList)Activator.CreateInstance(underlying)!;
            var count = depth > 4 ? 0 : _random.Next(4);
            for (var i = 0; i < count; i++)
                list.Add(Value(underlying.GetGenericArguments()[0], depth + 1));
            return list;
        }
        if (typeof(IKafkaMessage).IsAssignableFrom(underlying))
        {
            var nested = Activator.CreateInstance(underlying)!;
            FillObject(nested, depth + 1);
            return nested;
        }
        throw new NotSupportedException($"no filler for {type}");
    }

    private string RandomString()
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz-._0123456789éß✓";
        var chars = new char[_random.Next(12)];
        for (var i = 0; i < chars.Length; i++)
            chars[i] = alphabet[_random.Next(alphabet.Length)];
        return new string(chars);
    }

    private byte[] RandomBytes()
    {
        var bytes = new byte[_random.Next(20)];
        _random.NextBytes(bytes);
        return bytes;
    }
}
