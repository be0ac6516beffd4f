using System;
using System.Runtime.InteropServices;
using System.Security;

namespace ArtRest.Client
{
    /// <summary>
    /// SecureString in and out. Plain text exists only while a request header is built
    /// or when the user asks for the value.
    /// </summary>
    public static class Secrets
    {
        public static SecureString ToSecureString(string value)
        {
            var secure = new SecureString();
            foreach (char c in value)
            {
                secure.AppendChar(c);
            }

            secure.MakeReadOnly();
            return secure;
        }

        public static string ToPlainText(SecureString secure)
        {
            IntPtr pointer = IntPtr.Zero;
            try
            {
                pointer = Marshal.SecureStringToGlobalAllocUnicode(secure);
                return Marshal.PtrToStringUni(pointer) ?? string.Empty;
            }
            finally
            {
                if (pointer != IntPtr.Zero)
                {
                    Marshal.ZeroFreeGlobalAllocUnicode(pointer);
                }
            }
        }

        public static bool IsNullOrEmpty(SecureString? secure) => secure == null || secure.Length == 0;
    }
}
