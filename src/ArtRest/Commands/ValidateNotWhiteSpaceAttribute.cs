using System.Collections;
using System.Management.Automation;

namespace ArtRest.Commands
{
    /// <summary>
    /// Rejects null, empty and whitespace-only strings (and such items of a string array) before
    /// anything is sent. PowerShell prefixes the message with the parameter's name.
    /// </summary>
    public sealed class ValidateNotWhiteSpaceAttribute : ValidateArgumentsAttribute
    {
        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            if (arguments is PSObject wrapped)
            {
                arguments = wrapped.BaseObject;
            }

            if (arguments is string text)
            {
                Check(text, "The value");
                return;
            }

            if (arguments is IEnumerable items)
            {
                int index = 0;
                foreach (object? item in items)
                {
                    Check((item is PSObject p ? p.BaseObject : item) as string, "Item " + index);
                    index++;
                }
            }
        }

        private static void Check(string? text, string what)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                throw new ValidationMetadataException(what + " is empty or whitespace; give a non-blank name.");
            }
        }
    }
}
