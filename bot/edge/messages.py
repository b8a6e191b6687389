"""What the edge says to citizens: every refusal and error text, in one place."""

from __future__ import annotations

SENDER_CHARS = "字母、数字或 :_-.@"

BODY_TOO_LARGE = "您的消息太长了，我一次读不完。请分几句发送，每句不超过 {max_chars} 字。"
NOT_JSON = "抱歉，请求的格式不对：请以 JSON 格式发送，例如 {\"sender\": \"会话编号\", \"message\": \"您的问题\"}。"
NOT_AN_OBJECT = "抱歉，请求的格式不对：需要一个包含 sender（会话编号）和 message（消息）的 JSON 对象。"
BAD_SENDER = f"抱歉，缺少有效的会话编号（sender）：需要 1 到 128 个{SENDER_CHARS}。"
BAD_MESSAGE = "抱歉，消息内容（message）需要是一段文字。"
SLOW_BODY = "抱歉，消息传得太慢，没有收完整，请重新发送。"
NOT_FOUND = "抱歉，没有找到这个页面。"
METHOD_NOT_ALLOWED = "抱歉，不支持这种请求方式。"
TOO_MANY = "您发送得有点快了，请稍等 {seconds} 秒再发。"
UPSTREAM_DOWN = "抱歉，服务暂时不可用，您的消息没有发送成功，请稍后再试；着急的话请拨打 {hotline} 政务服务便民热线。"
NO_ANSWER = "抱歉，刚才没能处理好您的消息，请再发一次；着急的话请拨打 {hotline} 政务服务便民热线。"
INTERNAL = "抱歉，处理您的消息时出了点问题，消息没有发送成功，请稍后再试；着急的话请拨打 {hotline} 政务服务便民热线。"

MESSAGE_TOO_LONG = ("您的消息有点长（超过{max_chars}字），我一次读不完。请分几句发送，"
                    "每句说一件事，例如先说要办什么事，再说您的情况。")
EMPTY_MESSAGE = "您好像还没有输入内容。请告诉我您想办什么事，例如“身份证丢了怎么补办”“公积金怎么取”。"
WEBHOOK_TOO_LARGE = "抱歉，这条消息太大了，没有收下。"
WEBHOOK_UPSTREAM_SLOW = "抱歉，服务暂时没有响应，请稍后再试。"

HANDOFF_QUEUED = "您的消息已转给人工坐席{place}，坐席接入后会在这里回复您，请稍候。"
HANDOFF_TAKEN = "您的消息已发给人工坐席，请稍候回复。"
BAD_UPDATES = "抱歉，查询格式不对：需要会话编号（sender）和一个不小于 0 的序号（after）。"
BAD_LEAVE_MESSAGE = "抱歉，留言格式不对：需要会话编号（sender）、留言内容（message）和回电号码（phone）。"
LEFT_MESSAGE = "留言已收到，工作人员上班后会按您留的号码回电。着急的话请拨打 12345 政务服务便民热线。"
LEFT_BY_CHAT = ("留言已收到，工作人员上班后会打 {phone} 给您回电（号码只有工作人员能看到）。"
                "着急的话请拨打 {hotline} 政务服务便民热线。其他问题也可以继续问我。")
LEAVE_NUMBER = "好的，已记下。请再发一个回电号码（手机或带区号的固定电话），工作人员上班后会打给您。"
LEAVE_HOW = ("好的，请直接把想说的事和回电号码发给我，例如“公积金提取的事，请打 139xxxxxxxx 找我”，"
             "工作人员上班后会给您回电。")
