"""Health Auto Export (an iOS app) REST automation bodies, mapped to this API's samples."""
