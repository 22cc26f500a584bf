/* problem.c: RFC 9457 problem objects and HTTP reason phrases. */
#include "modgate/problem.h"

const char *mg_http_reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

json_t *mg_problem_new(int status, const char *code, const char *detail)
{
    /* about:blank means the title is the status' reason phrase (RFC 9457 4.2.1). */
    return json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", "about:blank",
                     "title", mg_http_reason(status), "status", status,
                     "detail", detail, "code", code);
}
