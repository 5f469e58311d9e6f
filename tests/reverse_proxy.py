"""A small reverse proxy and load balancer, run as its own process in the tests and the bench: it takes HTTP/1.1
requests on a loopback port and hands each to the next of its upstreams (round robin), as nginx does with
`proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Proto https;`:
the client's own address is appended to whatever X-Forwarded-For the client sent.

`python -m tests.reverse_proxy PORT UPSTREAM_PORT [UPSTREAM_PORT…]`; one request per connection.
"""

import asyncio
import itertools
import sys


async def _read_head(reader: asyncio.StreamReader) -> bytes:
    return await reader.readuntil(b"\r\n\r\n")


def _rewrite(head: bytes, client: str) -> tuple[bytes, int]:
    lines = head.decode("latin-1").split("\r\n")
    request_line, headers = lines[0], [line for line in lines[1:] if line]
    forwarded, kept, length = "", [], 0
    for line in headers:
        name, _sep, value = line.partition(":")
        lowered = name.strip().lower()
        if lowered == "x-forwarded-for":
            forwarded = value.strip()
        elif lowered in {"x-forwarded-proto", "connection", "keep-alive"}:
            continue
        else:
            if lowered == "content-length":
                length = int(value.strip())
            kept.append(line)
    kept += [
        f"X-Forwarded-For: {forwarded + ', ' if forwarded else ''}{client}",
        "X-Forwarded-Proto: https",
        "Connection: close",
    ]
    return ("\r\n".join([request_line, *kept]) + "\r\n\r\n").encode("latin-1"), length


async def main(port: int, upstreams: list[int]) -> None:
    turn = itertools.cycle(upstreams)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await _read_head(reader)
            client = writer.get_extra_info("peername")[0]
            head, length = _rewrite(head, client)
            body = await reader.readexactly(length) if length else b""
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", next(turn))
            up_writer.write(head + body)
            await up_writer.drain()
            while chunk := await up_reader.read(65536):
                writer.write(chunk)
                await writer.drain()
            up_writer.close()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), [int(port) for port in sys.argv[2:]]))
