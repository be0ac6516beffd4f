namespace ArtRest.Client
{
    /// <summary>
    /// Every condition ArtRest reports. The PowerShell layer maps each kind to one stable
    /// ErrorId and category (see ArtErrors), so scripts can branch on them.
    /// </summary>
    public enum ArtErrorKind
    {
        // Answers from the server.
        BadRequest,
        MissingTenant,
        InvalidCredentials,
        InvalidToken,
        RbacForbidden,
        Forbidden,
        NotFound,
        RateLimited,
        ServerError,
        ServiceUnavailable,
        HttpError,
        UnreadableResponse,

        // Failures on the way there and back.
        Timeout,
        ConnectionFailed,
        PushOutcomeUnknown,

        // Problems found before anything is sent.
        InvalidParameter,
        ConfigurationMissing,
        ConfigurationFileNotFound,
        ConfigurationFileInvalid,
        InsecureTransport,
        ContentNotSerializable,
        ContentTooLarge,
        InvalidAccessToken,
        SessionStageMissing,
        NoDefaultSession,
        SessionExpired,

        // A failure ArtRest did not foresee: a bug, reported per message rather than ending the pipeline.
        UnexpectedFailure,
    }
}
